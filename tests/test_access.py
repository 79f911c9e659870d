"""The permission rules of organisation/access.py, role by role: what each may and may not see."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from organisation import access
from organisation.models import OrgUnit, RoleAssignment, User
from tests.factories import MedCommitteeFactory, UserFactory, assign, unit

pytestmark = pytest.mark.django_db


def names(units) -> set[str]:
    return {u.name for u in units}


def test_an_anonymous_visitor_sees_no_units_and_no_committees(org: SimpleNamespace) -> None:
    anonymous = AnonymousUser()
    assert not access.units_visible_to(anonymous).exists()
    assert not access.committees_visible_to(anonymous).exists()
    assert not access.can_browse_organisation(anonymous)
    assert not access.can_view_unit(anonymous, org.solsikken)


def test_a_leader_sees_the_subtree_of_the_unit_they_lead(
    org: SimpleNamespace, leader: User
) -> None:
    assert names(access.units_visible_to(leader)) == {
        "Dagtilbud Nord",
        "Børnehuset Solsikken",
        "Vuggestuen Mælkebøtten",
    }


def test_a_leader_cannot_open_a_unit_outside_their_subtree(
    org: SimpleNamespace, leader: User
) -> None:
    assert access.get_unit_or_404(leader, org.solsikken.pk) == org.solsikken
    for foreign in (org.east, org.group, org.root, org.children):
        with pytest.raises(Http404):
            access.get_unit_or_404(leader, foreign.pk)


def test_a_leader_of_another_area_cannot_see_the_first_area(
    org: SimpleNamespace, other_leader: User
) -> None:
    assert names(access.units_visible_to(other_leader)) == {"Hjemmeplejen Øst", "Gruppe 1"}
    with pytest.raises(Http404):
        access.get_unit_or_404(other_leader, org.solsikken.pk)


def test_an_employee_sees_only_their_own_workplace(org: SimpleNamespace, employee: User) -> None:
    assert names(access.units_visible_to(employee)) == {"Børnehuset Solsikken"}
    with pytest.raises(Http404):
        access.get_unit_or_404(employee, org.maelkeboetten.pk)
    assert not access.can_browse_med(employee)
    assert not access.can_see_people_of(employee, org.solsikken)


def test_a_med_member_sees_what_their_committee_covers(
    org: SimpleNamespace, med_member: User, area_committee
) -> None:
    visible = names(access.units_visible_to(med_member))
    assert {"Dagtilbud Nord", "Børnehuset Solsikken", "Vuggestuen Mælkebøtten"} <= visible
    assert "Gruppe 1" not in visible
    assert list(access.committees_visible_to(med_member)) == [area_committee]


def test_a_med_member_cannot_open_a_unit_or_committee_outside_the_coverage(
    org: SimpleNamespace, med_member: User
) -> None:
    other = MedCommitteeFactory(name="Område-MED Sundhed")
    other.covers.add(org.health)
    with pytest.raises(Http404):
        access.get_unit_or_404(med_member, org.east.pk)
    with pytest.raises(Http404):
        access.get_committee_or_404(med_member, other.pk)


def test_a_med_member_does_not_see_employees_contact_details(
    org: SimpleNamespace, med_member: User
) -> None:
    assert not access.can_see_people_of(med_member, org.solsikken)


def test_a_leader_sees_the_committees_covering_their_units_but_no_others(
    org: SimpleNamespace, leader: User, area_committee
) -> None:
    other = MedCommitteeFactory(name="Område-MED Sundhed")
    other.covers.add(org.health)
    assert list(access.committees_visible_to(leader)) == [area_committee]


def test_a_politician_sees_the_whole_organisation_but_no_contact_details(
    org: SimpleNamespace, politician: User
) -> None:
    assert access.units_visible_to(politician).count() == OrgUnit.objects.count()
    assert access.can_see_organisation_wide(politician)
    assert not access.can_see_people_of(politician, org.solsikken)
    assert not access.can_browse_med(politician)
    assert not access.can_import_organisation(politician)


def test_hr_for_the_whole_municipality_maintains_everything(org: SimpleNamespace, hr: User) -> None:
    assert access.units_maintained_by(hr).count() == OrgUnit.objects.count()
    assert access.can_import_organisation(hr)
    assert access.can_see_people_of(hr, org.group)


def test_hr_for_one_directorate_maintains_only_that_subtree_and_cannot_import(
    org: SimpleNamespace,
) -> None:
    area_hr = UserFactory(username="hr_bu")
    assign(area_hr, RoleAssignment.Role.HR, org.children)
    assert "Gruppe 1" not in names(access.units_maintained_by(area_hr))
    assert "Børnehuset Solsikken" in names(access.units_maintained_by(area_hr))
    assert not access.can_import_organisation(area_hr)
    assert access.can_see_people_of(area_hr, org.solsikken)
    assert not access.can_see_people_of(area_hr, org.group)


def test_a_deactivated_user_has_no_access(org: SimpleNamespace, leader: User) -> None:
    leader.is_active = False
    leader.save(update_fields=["is_active"])
    assert not access.units_visible_to(leader).exists()


def test_leading_a_deactivated_unit_gives_no_access(org: SimpleNamespace, leader: User) -> None:
    OrgUnit.objects.filter(pk=org.nord.pk).update(active=False)
    fresh = User.objects.get(pk=leader.pk)
    assert not access.is_leader(fresh)


def test_require_raises_403_when_not_allowed() -> None:
    access.require(True)
    with pytest.raises(PermissionDenied):
        access.require(False)


def test_visible_units_cost_the_same_number_of_queries_however_many_units_a_leader_leads(
    org: SimpleNamespace,
) -> None:
    def queries_for(user: User) -> int:
        with CaptureQueriesContext(connection) as captured:
            list(access.units_visible_to(user))
        return len(captured)

    one = UserFactory(username="one")
    assign(one, RoleAssignment.Role.LEADER, org.nord)
    many = UserFactory(username="many")
    for index in range(12):
        assign(many, RoleAssignment.Role.LEADER, unit(f"Ekstra {index}", parent=org.health))
    assert queries_for(one) == queries_for(many)


def test_a_leader_sees_the_committee_that_covers_their_area_from_above(
    org: SimpleNamespace, other_leader: User
) -> None:
    directorate_committee = MedCommitteeFactory(name="Område-MED Sundhed")
    directorate_committee.covers.add(org.health)
    assert list(access.committees_visible_to(other_leader)) == [directorate_committee]
