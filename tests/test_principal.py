"""Signed-in users and their scopes are kept in memory between requests (organisation/principal.py)
and sessions are read through the cache (organisation/sessions.py). What a person may see must
still change at the next request after their roles, their account or the organisation change,
however the change was written; and everything must work when the cache is unreachable."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisation import access, principal, services, versions
from organisation.models import RoleAssignment, User
from tests.factories import UserFactory, assign

pytestmark = pytest.mark.django_db

UNIT_PAGE = "organisation:unit"


def unit_page(org: SimpleNamespace, name: str) -> str:
    return reverse(UNIT_PAGE, args=[getattr(org, name).pk])


def queries_of(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return [query["sql"] for query in captured]


def test_a_second_request_reads_neither_the_user_nor_the_roles_from_the_database(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    client = client_for(leader)
    url = unit_page(org, "solsikken")
    assert client.get(url).status_code == 200
    second = queries_of(client, url)
    by_id = f'WHERE "organisation_user"."id" = {leader.pk} LIMIT 21'
    assert not any(by_id in sql for sql in second)  # the signed-in user
    assert not any("scope_kind" in sql for sql in second)  # their roles and memberships
    assert not any('FROM "django_session"' in sql for sql in second)


def test_a_removed_role_takes_effect_at_the_next_request(client_for, org: SimpleNamespace) -> None:
    person = UserFactory(username="p0", name="Poul")  # no workplace of his own
    assign(person, RoleAssignment.Role.LEADER, org.east)
    client = client_for(person)
    url = unit_page(org, "group")
    assert client.get(url).status_code == 200
    RoleAssignment.objects.filter(user=person).delete()
    assert client.get(url).status_code in {403, 404}


def test_a_new_role_takes_effect_at_the_next_request(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    client = client_for(leader)
    url = unit_page(org, "group")
    assert client.get(url).status_code in {403, 404}
    assign(leader, RoleAssignment.Role.LEADER, org.east)
    assert client.get(url).status_code == 200


def test_an_account_deactivated_by_an_import_is_signed_out_at_the_next_request(
    client_for, org: SimpleNamespace
) -> None:
    person = UserFactory(username="p1", name="Pia", home_unit=org.solsikken, external_id="E1")
    assign(person, RoleAssignment.Role.LEADER, org.nord)
    client = client_for(person)
    url = unit_page(org, "solsikken")
    assert client.get(url).status_code == 200
    # The import writes with queryset updates, which send no signals.
    units = "external_id;name;kind;parent_external_id\nK;Testkommune;municipality;\n"
    employees = "external_id;username;name;unit_external_id\nE2;p2;Per;K\n"
    check = services.import_files_apply(files={"units": units, "employees": employees})
    assert check.valid, check.errors
    assert not User.objects.get(pk=person.pk).is_active
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_password_change_elsewhere_signs_out_other_sessions(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    client = client_for(leader)
    url = unit_page(org, "solsikken")
    assert client.get(url).status_code == 200
    leader.set_password("a-new-password-nobody-knows")
    leader.save()
    assert client.get(url).status_code == 302


def test_signing_in_does_not_make_every_process_read_the_organisation_again(
    client_for, leader: User, hr: User
) -> None:
    before = versions.read(principal.VERSION, principal.UNITS_VERSION)
    client_for(hr)  # force_login records last_login
    assert versions.read(principal.VERSION, principal.UNITS_VERSION) == before


def test_a_renamed_unit_changes_the_units_version_but_a_new_role_does_not(
    leader: User, org: SimpleNamespace
) -> None:
    before = versions.read(principal.UNITS_VERSION)[principal.UNITS_VERSION]
    assign(leader, RoleAssignment.Role.LEADER, org.east)
    assert versions.read(principal.UNITS_VERSION)[principal.UNITS_VERSION] == before
    org.east.name = "Hjemmeplejen Øst og Vest"
    org.east.save()
    assert versions.read(principal.UNITS_VERSION)[principal.UNITS_VERSION] != before


class BrokenCache:
    """A cache whose server is down: every call raises, as django-redis' client does."""

    def __getattr__(self, name: str):
        def fail(*args, **kwargs):
            raise ConnectionError("cache down")

        return fail


def test_pages_and_sign_in_work_when_the_cache_is_unreachable(
    client_for, leader: User, org: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for(leader)
    url = unit_page(org, "solsikken")
    assert client.get(url).status_code == 200
    broken = BrokenCache()
    monkeypatch.setattr(versions, "cache", broken)
    monkeypatch.setattr("django.contrib.sessions.backends.cached_db.caches", {"default": broken})
    # Each request now reads the user and the roles from the database, and says the same.
    assert client.get(url).status_code == 200
    assert client.get(unit_page(org, "group")).status_code in {403, 404}
    assert access.scope_of(User.objects.get(pk=leader.pk)).leader_paths == (org.nord.path,)
    # Signing out deletes the session although the cache cannot forget it.
    client.post(reverse("logout"))
    assert client.get(url).status_code == 302
