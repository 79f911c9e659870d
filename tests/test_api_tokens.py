"""The API key page (organisation/api_token_views.py) and the key service
(organisation/api_tokens.py): make a key and see its secret once, list one's own keys, revoke
one after confirming; nobody else's key can be seen or revoked."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from organisation import api_tokens
from organisation.models import ApiToken, AuditEvent, User

pytestmark = pytest.mark.django_db

PAGE = reverse("organisation:api_tokens")
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def english(client: Client) -> None:
    client.cookies["django_language"] = "en"
    cache.clear()


def make(client: Client, name: str = "Power BI", expires_on: str = "") -> object:
    return client.post(PAGE, {"action": "create", "name": name, "expires_on": expires_on})


def works(secret: str) -> bool:
    response = Client().get(
        reverse("api:instruments"), headers={"Authorization": f"Bearer {secret}"}
    )
    return response.status_code == 200


def test_a_visitor_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.post(PAGE, {"action": "create", "name": "x"}).status_code == 302
    assert not ApiToken.objects.exists()


def test_a_new_key_is_shown_once_and_only_its_digest_is_kept(client_for, employee: User) -> None:
    client = client_for(employee)
    response = make(client)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = response.context["new_key"].secret
    html = response.content.decode()
    assert secret in html
    assert "shown only this once" in html
    token = ApiToken.objects.get(user=employee)
    assert token.digest == api_tokens.digest_of(secret) != secret
    assert secret.startswith(token.prefix)
    assert len(secret) - len(token.prefix) >= 32
    assert works(secret)
    again = client.get(PAGE).content.decode()
    assert secret not in again, "the secret is never shown again"
    assert token.prefix in again
    assert "Power BI" in again
    assert AuditEvent.objects.filter(action="api_token.created", actor=employee).exists()
    assert secret not in str(AuditEvent.objects.values_list("details", flat=True))


def test_the_list_holds_ones_own_keys_only(client_for, employee: User, leader: User) -> None:
    api_tokens.api_token_create(user=leader, name="Lederens nøgle")
    api_tokens.api_token_create(user=employee, name="Min nøgle")
    html = client_for(employee).get(PAGE).content.decode()
    assert "Min nøgle" in html
    assert "Lederens nøgle" not in html


def test_an_empty_name_is_refused_and_nothing_is_made(client_for, employee: User) -> None:
    response = make(client_for(employee), name="   ")
    assert response.status_code == 200
    assert response.context["new_key"] is None
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_an_expiry_in_the_past_or_too_far_ahead_is_refused(client_for, employee: User) -> None:
    client = client_for(employee)
    yesterday = (TODAY - datetime.timedelta(days=1)).isoformat()
    response = make(client, expires_on=yesterday)
    assert "passed" in str(response.context["form"].errors["expires_on"])
    response = make(client, expires_on="9999-12-31")
    assert "at most" in str(response.context["form"].errors["expires_on"])
    assert not ApiToken.objects.exists()


def test_a_key_with_an_expiry_stops_working_after_that_day(client_for, employee: User) -> None:
    response = make(client_for(employee), expires_on=TODAY.isoformat())
    secret = response.context["new_key"].secret
    assert works(secret)
    token = ApiToken.objects.get(user=employee)
    assert timezone.localtime(token.expires_at).date() == TODAY + datetime.timedelta(days=1)
    listed = client_for(employee).get(PAGE).context["rows"][0]
    assert listed.valid_through == TODAY
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert not works(secret)
    assert "Expired" in client_for(employee).get(PAGE).content.decode()


def test_revoking_asks_for_confirmation_first(client_for, employee: User) -> None:
    new = api_tokens.api_token_create(user=employee, name="Gammel")
    client = client_for(employee)
    html = client.get(PAGE, {"tilbagekald": new.token.pk}).content.decode()
    assert "Revoke the key “Gammel”?" in html
    assert works(new.secret), "asking to revoke does not revoke"
    response = client.post(PAGE, {"action": "revoke", "token": new.token.pk})
    assert response.status_code == 302
    assert not works(new.secret)
    assert "Revoked" in client.get(PAGE).content.decode()
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1
    client.post(PAGE, {"action": "revoke", "token": new.token.pk})
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_someone_elses_key_can_be_neither_confirmed_nor_revoked(
    client_for, employee: User, leader: User
) -> None:
    theirs = api_tokens.api_token_create(user=leader, name="Lederens")
    client = client_for(employee)
    assert client.get(PAGE, {"tilbagekald": theirs.token.pk}).status_code == 404
    assert client.get(PAGE, {"tilbagekald": "x"}).status_code == 404
    response = client.post(PAGE, {"action": "revoke", "token": theirs.token.pk})
    assert response.status_code == 404
    assert works(theirs.secret)


def test_a_bad_post_is_a_400(client_for, employee: User) -> None:
    client = client_for(employee)
    assert client.post(PAGE, {"action": "explode"}).status_code == 400
    assert client.post(PAGE, {"action": "revoke", "token": "abc"}).status_code == 400


def test_there_is_a_limit_to_active_keys(employee: User, client_for) -> None:
    for number in range(api_tokens.MAX_ACTIVE_KEYS):
        api_tokens.api_token_create(user=employee, name=f"Nøgle {number}")
    response = make(client_for(employee))
    assert "Revoke one you no longer use" in str(response.context["form"].non_field_errors())
    assert ApiToken.objects.count() == api_tokens.MAX_ACTIVE_KEYS
    oldest = ApiToken.objects.order_by("pk").first()
    api_tokens.api_token_revoke(token=oldest, actor=employee)
    assert make(client_for(employee)).context["new_key"] is not None


def test_the_page_is_accessible_in_structure(client_for, employee: User) -> None:
    api_tokens.api_token_create(user=employee, name="Nøgle")
    html = client_for(employee).get(PAGE).content.decode()
    assert html.count("<h1>") == 1
    assert "<caption" in html
    assert 'scope="col"' in html
    assert '<label class="form-label" for="id_name">' in html
    assert "<script>" not in html
    assert "style=" not in html
