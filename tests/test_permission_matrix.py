"""Every route × every persona gives the expected status.

The matrix is checked against the URL configuration: a route that has no entry here fails the
test, so a new page cannot skip its permission decision. Object routes are tried with an object
inside the persona's scope ("own") and one outside it ("foreign").
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from organisation.models import ImportBatch, MedCommittee, User
from tests.factories import MedCommitteeFactory, UserFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "employee", "leader", "med_member", "politician", "hr", "other_leader"]

# Routes whose own apps test them in depth; they are listed so the matrix stays complete.
NOT_IN_MATRIX = {
    "admin",  # Django admin: only is_staff users, tested below separately
    "set_language",  # POST-only language switch, open to everyone
    "password_reset_confirm",  # needs a one-time token; tested in test_auth
    "password_reset_done",
    "password_reset_complete",
    "password_change",
    "password_change_done",
    "logout",
    "oidc_authentication_init",
    "oidc_authentication_callback",
    "oidc_logout",
}

LOGIN = 302  # redirect to the sign-in page
ALL_OK = dict.fromkeys(PERSONAS, 200)

# route name → {persona: status} for its "own" object (or no object),
# and for object routes also "foreign": {persona: status}.
MATRIX: dict[str, dict[str, dict[str, int]]] = {
    "front": {"own": ALL_OK},
    "healthz": {"own": ALL_OK},
    "readyz": {"own": ALL_OK},
    "login": {"own": ALL_OK},
    "password_reset": {"own": ALL_OK},
    "organisation:units": {
        "own": {
            "anonymous": LOGIN,
            "employee": 200,
            "leader": 200,
            "med_member": 200,
            "politician": 200,
            "hr": 200,
            "other_leader": 200,
        }
    },
    "organisation:unit": {
        # own: Børnehuset Solsikken (inside Dagtilbud Nord); foreign: Gruppe 1 (Hjemmeplejen Øst)
        "own": {
            "anonymous": LOGIN,
            "employee": 200,
            "leader": 200,
            "med_member": 200,
            "politician": 200,
            "hr": 200,
            "other_leader": 404,
        },
        "foreign": {
            "anonymous": LOGIN,
            "employee": 404,
            "leader": 404,
            "med_member": 404,
            "politician": 200,
            "hr": 200,
            "other_leader": 200,
        },
    },
    "organisation:import": {
        "own": {
            "anonymous": LOGIN,
            "employee": 403,
            "leader": 403,
            "med_member": 403,
            "politician": 403,
            "hr": 200,
            "other_leader": 403,
        }
    },
    "organisation:import_preview": {
        "own": {
            "anonymous": LOGIN,
            "employee": 403,
            "leader": 403,
            "med_member": 403,
            "politician": 403,
            "hr": 200,
            "other_leader": 403,
        }
    },
    "med:committees": {
        "own": {
            "anonymous": LOGIN,
            "employee": 403,
            "leader": 200,
            "med_member": 200,
            "politician": 403,
            "hr": 200,
            "other_leader": 200,
        }
    },
    "med:committee": {
        # own: the område-MED covering Dagtilbud Nord; foreign: one covering Sundhed og Omsorg
        "own": {
            "anonymous": LOGIN,
            "employee": 404,
            "leader": 200,
            "med_member": 200,
            "politician": 404,
            "hr": 200,
            "other_leader": 404,
        },
        "foreign": {
            "anonymous": LOGIN,
            "employee": 404,
            "leader": 404,
            "med_member": 404,
            "politician": 404,
            "hr": 200,
            "other_leader": 200,
        },
    },
}


def route_names(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = pattern.namespace
            if namespace == "admin":
                names.add("admin")
                continue
            inner = f"{prefix}{namespace}:" if namespace else prefix
            names |= route_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_every_route_has_an_entry_in_the_permission_matrix() -> None:
    missing = route_names() - set(MATRIX) - NOT_IN_MATRIX
    assert missing == set(), f"add these routes to MATRIX: {sorted(missing)}"


@pytest.fixture
def world(
    org: SimpleNamespace,
    employee: User,
    leader: User,
    med_member: User,
    politician: User,
    hr: User,
    other_leader: User,
    area_committee: MedCommittee,
) -> SimpleNamespace:
    foreign_committee = MedCommitteeFactory(name="Område-MED Sundhed")
    foreign_committee.covers.add(org.health)
    batch = ImportBatch.objects.create(uploaded_by=hr, files={}, summary={})
    people = {
        "employee": employee,
        "leader": leader,
        "med_member": med_member,
        "politician": politician,
        "hr": hr,
        "other_leader": other_leader,
    }
    paths = {
        "organisation:unit": {
            "own": f"/organisation/enheder/{org.solsikken.pk}/",
            "foreign": f"/organisation/enheder/{org.group.pk}/",
        },
        "med:committee": {
            "own": f"/med/{area_committee.pk}/",
            "foreign": f"/med/{foreign_committee.pk}/",
        },
        "organisation:import_preview": {"own": f"/organisation/import/{batch.pk}/"},
    }
    return SimpleNamespace(people=people, paths=paths)


CASES = [
    (route, which, persona, status)
    for route, entry in MATRIX.items()
    for which, statuses in entry.items()
    for persona, status in statuses.items()
]


@pytest.mark.parametrize(("route", "which", "persona", "expected"), CASES)
def test_the_route_answers_each_persona_as_the_matrix_says(
    world: SimpleNamespace, route: str, which: str, persona: str, expected: int
) -> None:
    from django.urls import reverse

    client = Client()
    if persona != "anonymous":
        client.force_login(world.people[persona])
    path = world.paths.get(route, {}).get(which) or reverse(route)
    response = client.get(path)
    assert response.status_code == expected, f"{persona} GET {path}"


def test_only_staff_reach_the_django_admin(world: SimpleNamespace) -> None:
    for persona, person in world.people.items():
        client = Client()
        client.force_login(person)
        status = client.get("/admin/").status_code
        assert status == (200 if persona == "hr" else 302), persona
    assert UserFactory(username="x").is_staff is False
