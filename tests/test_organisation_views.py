"""The organisation and MED pages, and the front page, for each role: allowed and denied."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from organisation.models import User
from tests.factories import MedCommitteeFactory

pytestmark = pytest.mark.django_db


def test_the_front_page_answers_anonymous_visitors_with_a_sign_in_link(client, org) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert b'href="/accounts/login/' in response.content
    assert b'href="/organisation/"' not in response.content


def test_a_leader_sees_the_units_they_lead_on_the_front_page(client_for, leader: User) -> None:
    response = client_for(leader).get("/")
    assert "Dagtilbud Nord" in response.content.decode()


def test_an_employee_sees_their_workplace_and_its_leader_on_the_front_page(
    client_for, employee: User, leader: User
) -> None:
    page = client_for(employee).get("/").content.decode()
    assert "Børnehuset Solsikken" in page
    assert "Lars Leder" in page


def test_the_organisation_page_requires_sign_in(client, org) -> None:
    response = client.get("/organisation/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_leader_opens_a_unit_in_their_subtree_and_sees_its_people(
    client_for, org: SimpleNamespace, leader: User, employee: User
) -> None:
    response = client_for(leader).get(f"/organisation/enheder/{org.solsikken.pk}/")
    assert response.status_code == 200
    assert "Mette Medarbejder" in response.content.decode()


def test_a_leader_gets_404_for_a_unit_outside_their_subtree(
    client_for, org: SimpleNamespace, leader: User
) -> None:
    response = client_for(leader).get(f"/organisation/enheder/{org.group.pk}/")
    assert response.status_code == 404


def test_a_med_member_sees_a_covered_unit_without_its_peoples_names(
    client_for, org: SimpleNamespace, med_member: User, employee: User
) -> None:
    response = client_for(med_member).get(f"/organisation/enheder/{org.solsikken.pk}/")
    assert response.status_code == 200
    assert "Mette Medarbejder" not in response.content.decode()


def test_the_unit_page_renders_only_the_children_partial_for_htmx(
    client_for, org: SimpleNamespace, leader: User
) -> None:
    response = client_for(leader).get(
        f"/organisation/enheder/{org.nord.pk}/", headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert 'id="children"' in body
    assert "<html" not in body
    assert "Vuggestuen Mælkebøtten" in body


def test_an_employee_gets_403_on_the_med_pages(client_for, employee: User) -> None:
    assert client_for(employee).get("/med/").status_code == 403


def test_a_med_member_sees_their_committee_and_its_members(
    client_for, med_member: User, area_committee
) -> None:
    client = client_for(med_member)
    assert "Område-MED Dagtilbud" in client.get("/med/").content.decode()
    detail = client.get(f"/med/{area_committee.pk}/")
    assert detail.status_code == 200
    assert "Mads MED" in detail.content.decode()


def test_a_med_member_gets_404_for_another_committee(
    client_for, org: SimpleNamespace, med_member: User
) -> None:
    other = MedCommitteeFactory(name="Område-MED Sundhed")
    other.covers.add(org.health)
    assert client_for(med_member).get(f"/med/{other.pk}/").status_code == 404


def test_a_politician_browses_the_organisation_but_not_the_med_pages(
    client_for, org: SimpleNamespace, politician: User
) -> None:
    client = client_for(politician)
    assert client.get("/organisation/").status_code == 200
    assert client.get(f"/organisation/enheder/{org.group.pk}/").status_code == 200
    assert client.get("/med/").status_code == 403


def test_the_pages_are_danish_by_default_and_english_on_request(client_for, leader: User) -> None:
    client = client_for(leader)
    assert "Organisation" in client.get("/organisation/").content.decode()
    danish = client.get("/").content.decode()
    assert 'lang="da"' in danish
    assert "Spring til indhold" in danish
    browser_in_english = client.get("/", headers={"Accept-Language": "en"}).content.decode()
    assert "Spring til indhold" in browser_in_english
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/").content.decode()
    assert "Skip to content" in english
    assert 'lang="en"' in english


def test_every_page_sends_a_content_security_policy_without_inline_code(client, org) -> None:
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_the_htmx_csrf_token_is_on_the_body(client_for, leader: User) -> None:
    page = client_for(leader).get("/").content.decode()
    assert '<body hx-headers=\'{"X-CSRFToken": "' in page


def test_the_unit_page_lists_each_unit_below_once_with_its_own_counts(
    client_for, org: SimpleNamespace, leader: User, employee: User
) -> None:
    response = client_for(leader).get(f"/organisation/enheder/{org.nord.pk}/")
    rows = {summary.unit.name: summary.employees for summary in response.context["page"].children}
    assert rows == {"Børnehuset Solsikken": 1, "Vuggestuen Mælkebøtten": 0}
