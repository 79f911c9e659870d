"""Signing in and out: throttling, session timeouts, password reset, single sign-on."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from organisation.middleware import SESSION_RENEWED_KEY, SESSION_STARTED_KEY
from organisation.models import RoleAssignment, User
from organisation.oidc import MunicipalityOIDCBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str, password: str) -> object:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_a_user_signs_in_with_user_name_and_password_and_lands_on_the_front_page(
    client: Client,
) -> None:
    UserFactory(username="signe", password="demo")
    response = sign_in(client, "signe", "demo")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_wrong_password_shows_a_danish_error_and_keeps_the_user_signed_out(
    client: Client,
) -> None:
    UserFactory(username="signe", password="demo")
    response = sign_in(client, "signe", "forkert")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "korrekt brugernavn" in response.content.decode()


def test_five_failed_attempts_lock_the_user_out_even_with_the_right_password(
    client: Client,
) -> None:
    UserFactory(username="signe", password="demo")
    for _ in range(5):
        sign_in(client, "signe", "forkert")
    response = sign_in(client, "signe", "demo")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "For mange forsøg" in response.content.decode()


def test_a_lockout_of_one_user_does_not_lock_out_a_colleague_on_the_same_address(
    client: Client,
) -> None:
    UserFactory(username="signe", password="demo")
    UserFactory(username="kollega", password="demo")
    for _ in range(5):
        sign_in(client, "signe", "forkert")
    response = sign_in(client, "kollega", "demo")
    assert response.status_code == 302


def test_signing_out_needs_a_post_and_ends_the_session(client: Client) -> None:
    user = UserFactory(username="signe")
    client.force_login(user)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_the_session_cookie_expires_after_30_idle_minutes() -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_a_request_renews_a_session_last_renewed_a_minute_ago_or_more(client: Client) -> None:
    client.force_login(UserFactory(username="signe"))
    client.get("/")
    session = client.session
    session[SESSION_RENEWED_KEY] = time.time() - 61
    session.save()
    before = Session.objects.get(session_key=session.session_key).expire_date

    response = client.get("/")

    assert settings.SESSION_COOKIE_NAME in response.cookies  # a fresh cookie with a new age
    assert Session.objects.get(session_key=session.session_key).expire_date > before


def test_a_request_soon_after_a_renewal_writes_no_session(client: Client) -> None:
    client.force_login(UserFactory(username="signe"))
    client.get("/")

    response = client.get("/")

    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_signing_in_starts_both_session_clocks_so_the_first_page_writes_no_session(
    client: Client,
) -> None:
    UserFactory(username="signe", password="kodeord-til-test-123")
    client.post("/accounts/login/", {"username": "signe", "password": "kodeord-til-test-123"})
    session = client.session
    assert session[SESSION_STARTED_KEY] == session[SESSION_RENEWED_KEY]

    response = client.get("/")

    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_an_idle_session_is_signed_out(client: Client) -> None:
    client.force_login(UserFactory(username="signe"))
    client.get("/")
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    # Sessions are read through the cache, which keeps each one exactly as long as the
    # database row lives (organisation/sessions.py): it has expired there too.
    cache.clear()

    response = client.get("/organisation/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_session_older_than_twelve_hours_is_signed_out_however_active(client: Client) -> None:
    user = UserFactory(username="signe")
    client.force_login(user)
    client.get("/")
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - 12 * 60 * 60 - 1
    session.save()
    response = client.get("/organisation/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_session_younger_than_twelve_hours_stays_signed_in(client: Client, org, leader) -> None:
    client.force_login(leader)
    client.get("/")
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - 11 * 60 * 60
    session.save()
    assert client.get("/organisation/").status_code == 200


def test_password_reset_sends_a_link_that_lets_the_user_choose_a_new_password(
    client: Client,
) -> None:
    UserFactory(username="signe", email="signe@kommune.example", password="gammel-kode-123")
    response = client.post("/accounts/password_reset/", {"email": "signe@kommune.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    path = link.split("testserver", 1)[1].strip()
    form_page = client.get(path, follow=True)
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_password_url,
        {"new_password1": "ny-staerk-kode-4711", "new_password2": "ny-staerk-kode-4711"},
    )
    assert done.status_code == 302
    assert User.objects.get(username="signe").check_password("ny-staerk-kode-4711")


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(
    client: Client,
) -> None:
    response = client.post("/accounts/password_reset/", {"email": "ukendt@kommune.example"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []


@pytest.fixture
def oidc(settings) -> None:
    """The provider's settings, as a municipality would set them through the environment."""
    settings.OIDC_RP_CLIENT_ID = "kerneopgaver"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    for name in ("AUTHORIZATION", "TOKEN", "USER", "JWKS"):
        setattr(settings, f"OIDC_OP_{name}_ENDPOINT", f"https://idp.kommune.example/{name.lower()}")


@override_settings(OIDC_CREATE_USER=True)
def test_a_person_created_by_single_sign_on_gets_no_role_and_no_staff_rights(oidc) -> None:
    backend = MunicipalityOIDCBackend()
    claims = {
        "email": "ny@kommune.example",
        "name": "Nina Ny",
        "groups": ["admin", "hr"],
        "roles": ["superuser"],
    }
    user = backend.create_user(claims)
    assert user.name == "Nina Ny"
    assert not user.is_staff
    assert not user.is_superuser
    assert not user.has_usable_password()
    assert not RoleAssignment.objects.filter(user=user).exists()


def test_single_sign_on_matches_an_imported_person_by_e_mail_and_keeps_their_roles(
    org, oidc
) -> None:
    person = UserFactory(username="m1", email="Lise@Kommune.example")
    RoleAssignment.objects.create(user=person, role=RoleAssignment.Role.POLITICIAN)
    backend = MunicipalityOIDCBackend()
    matched = backend.filter_users_by_claims({"email": "lise@kommune.example"})
    assert list(matched) == [person]
    backend.update_user(
        person, {"email": "lise@kommune.example", "name": "Lise Ny", "groups": ["hr"]}
    )
    person.refresh_from_db()
    assert person.name == "Lise Ny"
    assert list(person.role_assignments.values_list("role", flat=True)) == ["politician"]
    assert not person.is_staff


def test_single_sign_on_without_an_e_mail_claim_matches_nobody(oidc) -> None:
    UserFactory(username="m1", email="")
    assert not MunicipalityOIDCBackend().filter_users_by_claims({"sub": "x"}).exists()
