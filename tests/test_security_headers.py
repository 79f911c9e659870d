"""Security headers and cookies as production sends them.

The production values are read the way production gets them: config/settings.py is imported in
a fresh interpreter with a production environment (no DEBUG, a secret key, behind the TLS
proxy), and the test runs with those values. Then every answer carries a Content-Security-Policy
without inline scripts, HSTS, X-Frame-Options DENY, a Referrer-Policy and nosniff, and the
session and CSRF cookies are Secure (the session cookie HttpOnly too).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from http.cookies import Morsel
from pathlib import Path

import pytest
from django.test import Client, override_settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION_NAMES = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
]
PRODUCTION_ENV = {
    "SECRET_KEY": "x7Kq2-production-like-key-for-header-tests-only-9fP4vL0aZ3mN8bR1cT6yW5uE2s",
    "ALLOWED_HOSTS": "kommune.example,testserver",
    "CSRF_TRUSTED_ORIGINS": "https://kommune.example",
    "BEHIND_TLS_PROXY": "1",
    "DJANGO_SETTINGS_MODULE": "config.settings",
}
PAGES = ["/", "/accounts/login/", "/hoering/", "/kerneopgaver/", "/no-such-page/"]


@pytest.fixture(scope="module")
def production_values() -> dict[str, object]:
    """The security settings config/settings.py computes for production."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{name: getattr(s, name) for name in {PRODUCTION_NAMES!r}}}))"
    )
    # Nothing from the test runner's environment but PATH: no DEBUG, no DATABASE_URL.
    env = {"PATH": os.environ.get("PATH", ""), **PRODUCTION_ENV}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def production(production_values: dict[str, object]) -> Iterator[dict[str, object]]:
    with override_settings(**production_values, ALLOWED_HOSTS=["testserver"]):
        yield production_values


class HttpsClient(Client):
    """A fresh client (so the security middleware reads the overridden settings) whose requests
    arrive over HTTPS, as they do behind production's TLS proxy."""

    def generic(self, *args: object, **kwargs: object) -> object:
        kwargs["secure"] = True
        return super().generic(*args, **kwargs)


def https_client() -> Client:
    return HttpsClient()


def test_production_values_are_the_hardened_ones(production_values) -> None:
    assert production_values["DEBUG"] is False
    assert production_values["SECURE_SSL_REDIRECT"] is True
    assert production_values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert production_values["SESSION_COOKIE_SECURE"] is True
    assert production_values["CSRF_COOKIE_SECURE"] is True


@pytest.mark.parametrize("path", PAGES)
def test_every_answer_carries_the_security_headers(production, path: str) -> None:
    response = https_client().get(path)
    assert response.status_code in (200, 404), path
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", PAGES)
def test_the_content_security_policy_allows_no_inline_or_foreign_scripts(
    production, path: str
) -> None:
    policy = https_client().get(path)["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts == ["'self'"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/hoering/"])
def test_pages_hold_no_inline_script_the_policy_would_block(production, path: str) -> None:
    page = https_client().get(path).content.decode()
    for chunk in page.split("<script")[1:]:
        opening = chunk.split(">", 1)[0]
        assert "src=" in opening, f"inline script on {path}: <script{opening}>"
    assert " onclick=" not in page
    assert " onload=" not in page


def test_plain_http_is_redirected_to_https_except_the_health_probes(production) -> None:
    client = Client()
    response = client.get("/hoering/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/hoering/"
    assert client.get("/healthz/").status_code == 200


def cookie(response, name: str) -> Morsel:
    assert name in response.cookies, f"{name} was not set"
    return response.cookies[name]


def test_the_session_cookie_is_secure_http_only_and_same_site(production, org) -> None:
    UserFactory(username="signe", password="demo")
    response = https_client().post("/accounts/login/", {"username": "signe", "password": "demo"})
    assert response.status_code == 302
    session = cookie(response, "sessionid")
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


def test_the_csrf_cookie_is_secure(production) -> None:
    response = https_client().get("/accounts/login/")
    assert cookie(response, "csrftoken")["secure"] is True
