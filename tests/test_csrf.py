"""CSRF is enforced on every route, htmx writes included, generated from the URL configuration.

For each route a persona allowed to use it (taken from the permission matrix) posts without a
CSRF token, as a plain form and as an htmx request: the CSRF check must refuse it (403 from the
CSRF failure view, before the view runs). The same request with a valid token must get past
the check, which proves that the refusal came from CSRF and tells which routes accept POST. A
new route that is exempt from CSRF, or that the matrix does not list, fails here.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authentication import SessionAuthentication
from rest_framework.views import APIView

from organisation.models import User
from tests.factories import UserFactory

# The matrix's world: one own and one foreign object for every object route. Imported as a
# fixture (pytest finds it by name), so routes get the same objects the matrix checks.
from tests.test_permission_matrix import MATRIX, world  # noqa: F401

pytestmark = pytest.mark.django_db

FAILURE_HEADER = "X-Test-Csrf-Failure"
# Whom to try a route as: the first persona in this order whom the matrix lets in.
PREFERENCE = ["hr", "leader", "med_member", "employee", "politician", "other_leader", "anonymous"]
# Routes outside the matrix: who uses them, and their arguments when they need any.
OUTSIDE_MATRIX = {
    "set_language": ("anonymous", ()),
    "logout": ("employee", ()),
    "password_change": ("employee", ()),
    "password_change_done": ("employee", ()),
    "password_reset_done": ("anonymous", ()),
    "password_reset_complete": ("anonymous", ()),
    "password_reset_confirm": ("anonymous", ("MQ", "set-password")),
}
# Admin pages are tried as a superuser: the index, a list, an add form and a login.
ADMIN_PATHS = [
    "/admin/login/",
    "/admin/organisation/roleassignment/",
    "/admin/organisation/roleassignment/add/",
    "/admin/organisation/orgunit/add/",
    "/admin/styring/instrument/add/",
]
# htmx writes that must be among the routes accepting POST (a check that this test is not
# vacuous: if these stopped being found, the route discovery would be broken).
KNOWN_HTMX_WRITES = {
    "kerneopgaver:community_core_tasks",
    "styring:signal",
    "kerneopgaver:input_add",
}


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Stands in for Django's CSRF failure page, so a refusal by CSRF is told apart from a
    refusal by a permission rule (both are 403)."""
    response = HttpResponseForbidden("CSRF")
    response[FAILURE_HEADER] = reason or "refused"
    return response


def all_route_names(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    names: list[str] = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # tried through ADMIN_PATHS, and statically below
            inner = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names += all_route_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.append(prefix + pattern.name)
    return names


def all_callbacks(resolver: URLResolver | None = None) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            found += all_callbacks(pattern)
        else:
            found.append((str(pattern.pattern), pattern.callback))
    return found


def api_view_class(view: object) -> type | None:
    """The REST framework view behind an /api/ route, if it is one."""
    view_class = getattr(view, "cls", None)
    return view_class if isinstance(view_class, type) and issubclass(view_class, APIView) else None


def test_no_view_in_the_url_configuration_is_exempt_from_csrf() -> None:
    """Only the open-data API is exempt (REST framework exempts its views): it reads no session
    cookie, only an API key in a header a foreign page cannot set, and it accepts no write."""
    exempt = [
        route
        for route, view in all_callbacks()
        if getattr(view, "csrf_exempt", False) and api_view_class(view) is None
    ]
    assert exempt == []
    for route, view in all_callbacks():
        view_class = api_view_class(view)
        if view_class is None:
            continue
        assert not any(
            issubclass(auth, SessionAuthentication) for auth in view_class.authentication_classes
        ), route
        writes = {"post", "put", "patch", "delete"} & {
            name for name in view_class.http_method_names if hasattr(view_class, name)
        }
        assert writes == set(), route


def test_the_api_refuses_a_signed_in_browser_post(world: SimpleNamespace) -> None:  # noqa: F811
    """A foreign page cannot make a signed-in person's browser change anything through it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people["hr"])
    for route in all_route_names():
        if route.startswith("api:"):
            path = path_for(route, world)
            assert client.post(path, {"field": "value"}).status_code in {401, 403, 404, 405}, route


def persona_for(route: str) -> tuple[str, str]:
    """(persona, "own"/"foreign") allowed to use the route."""
    if route in OUTSIDE_MATRIX:
        return OUTSIDE_MATRIX[route][0], "own"
    statuses = MATRIX[route]["own"]
    for persona in PREFERENCE:
        if statuses.get(persona) in (200, 302) and not (
            persona == "anonymous" and statuses[persona] == 302
        ):
            return persona, "own"
    # POST-only routes answer GET with 405 for everyone: HR may use them.
    return "hr", "own"


def path_for(route: str, objects: SimpleNamespace) -> str:
    if route in OUTSIDE_MATRIX:
        return reverse(route, args=OUTSIDE_MATRIX[route][1])
    return objects.paths.get(route, {}).get("own") or reverse(route)


def post(client: Client, path: str, *, token: str | None, htmx: bool) -> HttpResponse:
    headers = {"HX-Request": "true"} if htmx else {}
    if token is not None:
        client.cookies["csrftoken"] = token
        headers["X-CSRFToken"] = token
    return client.post(path, {"field": "value"}, headers=headers)


@override_settings(CSRF_FAILURE_VIEW="tests.test_csrf.csrf_failure")
def test_every_route_refuses_a_post_without_a_csrf_token(world: SimpleNamespace) -> None:  # noqa: F811
    people: dict[str, User] = world.people
    failures: list[str] = []
    accepts_post: set[str] = set()
    routes = all_route_names()
    known = {*MATRIX, *OUTSIDE_MATRIX}
    unknown = [route for route in routes if route not in known]
    assert unknown == [], f"add these routes to the permission matrix: {unknown}"
    for route in routes:
        if route.startswith("api:"):
            continue  # read-only and keyed, see test_the_api_refuses_a_signed_in_browser_post
        persona, _which = persona_for(route)
        path = path_for(route, world)
        for htmx in (False, True):
            client = Client(enforce_csrf_checks=True)
            if persona != "anonymous":
                client.force_login(people[persona])
            refused = post(client, path, token=None, htmx=htmx)
            if refused.status_code != 403 or FAILURE_HEADER not in refused:
                failures.append(f"{route} ({path}, htmx={htmx}): {refused.status_code}")
            allowed = post(client, path, token=_get_new_csrf_string(), htmx=htmx)
            if FAILURE_HEADER in allowed:
                failures.append(f"{route}: refused by CSRF even with a valid token")
            elif allowed.status_code != 405:
                accepts_post.add(route)
    assert failures == []
    assert accepts_post >= KNOWN_HTMX_WRITES


@override_settings(CSRF_FAILURE_VIEW="tests.test_csrf.csrf_failure")
def test_the_django_admin_refuses_a_post_without_a_csrf_token(org) -> None:
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    for path in ADMIN_PATHS:
        client = Client(enforce_csrf_checks=True)
        if path != "/admin/login/":
            client.force_login(superuser)
        refused = client.post(path, {"field": "value"})
        assert refused.status_code == 403, path
        assert FAILURE_HEADER in refused, path


@override_settings(CSRF_FAILURE_VIEW="tests.test_csrf.csrf_failure")
def test_a_token_from_another_session_is_refused(world: SimpleNamespace) -> None:  # noqa: F811
    """A forged request with a made-up header token but no matching cookie is refused."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people["hr"])
    response = client.post(
        world.paths["styring:signal"]["own"],
        {"helps": "yes"},
        headers={"HX-Request": "true", "X-CSRFToken": _get_new_csrf_string()},
    )
    assert response.status_code == 403
    assert FAILURE_HEADER in response
