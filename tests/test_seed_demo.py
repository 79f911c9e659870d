"""`manage.py seed_demo` and `manage.py demo_logins`: the fictional demo municipality."""

from __future__ import annotations

import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from pytest_django.fixtures import Settings

from organisation import demo
from organisation.models import (
    LeadershipCommunity,
    MedCommittee,
    MedMembership,
    OrgUnit,
    RoleAssignment,
    User,
)

pytestmark = pytest.mark.django_db

EMPLOYEES = 200
MENU_LINKS = ("/organisation/", "/med/", "/organisation/import/", "/admin/")


def seed(**options: object) -> str:
    out = StringIO()
    call_command("seed_demo", employees=EMPLOYEES, stdout=out, **options)
    return out.getvalue()


def demo_logins() -> str:
    out = StringIO()
    call_command("demo_logins", stdout=out)
    return out.getvalue()


@pytest.fixture
def debug(settings: Settings) -> None:
    settings.DEBUG = True


@pytest.fixture
def no_debug(settings: Settings) -> None:
    settings.DEBUG = False


def employees() -> int:
    return User.objects.filter(home_unit__isnull=False).count()


def test_it_builds_a_tree_five_levels_deep_without_treebeard_problems() -> None:
    seed()
    assert OrgUnit.objects.filter(depth=1).count() == 1
    assert max(OrgUnit.objects.values_list("depth", flat=True)) == 5
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


def test_its_levels_are_municipality_directorate_area_workplace_team() -> None:
    seed()
    kinds_by_depth = {
        depth: set(OrgUnit.objects.filter(depth=depth).values_list("kind", flat=True))
        for depth in range(1, 6)
    }
    assert kinds_by_depth == {
        1: {OrgUnit.Kind.MUNICIPALITY},
        2: {OrgUnit.Kind.DIRECTORATE},
        3: {OrgUnit.Kind.AREA},
        4: {OrgUnit.Kind.WORKPLACE},
        5: {OrgUnit.Kind.TEAM},
    }
    assert OrgUnit.objects.get(depth=1).name == demo.MUNICIPALITY_NAME


def test_it_builds_four_directorates_and_the_requested_number_of_workplaces() -> None:
    seed(workplaces=40)
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.DIRECTORATE).count() == 4
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.WORKPLACE).count() == 40


def test_workplaces_have_distinct_plausible_danish_names() -> None:
    seed()
    names = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.WORKPLACE).values_list("name", flat=True))
    assert len(names) == 60 == len(set(names))
    assert any(name.startswith(("Børnehuset", "Vuggestuen")) for name in names)
    assert any(name.startswith("Hjemmeplejen") for name in names)


def test_it_creates_the_requested_number_of_employees() -> None:
    seed()
    assert employees() == EMPLOYEES


def test_ordinary_employees_work_in_workplaces_and_teams() -> None:
    seed()
    leaders = RoleAssignment.objects.filter(role=RoleAssignment.Role.LEADER).values("user")
    kinds = set(
        User.objects.filter(home_unit__isnull=False)
        .exclude(pk__in=leaders)
        .values_list("home_unit__kind", flat=True)
    )
    assert kinds == {OrgUnit.Kind.WORKPLACE, OrgUnit.Kind.TEAM}


def test_about_thirty_percent_of_the_employees_have_no_email() -> None:
    seed()
    without = User.objects.filter(home_unit__isnull=False, email="").count()
    assert 0.25 <= without / EMPLOYEES <= 0.35


def test_units_and_people_have_external_ids() -> None:
    seed()
    assert not OrgUnit.objects.filter(external_id__isnull=True).exists()
    assert not User.objects.filter(external_id__isnull=True).exists()


def test_every_unit_above_the_teams_has_one_leader() -> None:
    seed()
    led = Counter(
        RoleAssignment.objects.filter(role=RoleAssignment.Role.LEADER).values_list(
            "unit__kind", flat=True
        )
    )
    assert led == {
        OrgUnit.Kind.MUNICIPALITY: 1,
        OrgUnit.Kind.DIRECTORATE: 4,
        OrgUnit.Kind.AREA: OrgUnit.objects.filter(kind=OrgUnit.Kind.AREA).count(),
        OrgUnit.Kind.WORKPLACE: 60,
    }


def test_med_committees_form_a_hierarchy_over_the_organisation() -> None:
    seed()
    main = MedCommittee.objects.get(level=MedCommittee.Level.MAIN)
    assert list(main.covers.values_list("kind", flat=True)) == [OrgUnit.Kind.MUNICIPALITY]
    area_committees = MedCommittee.objects.filter(level=MedCommittee.Level.AREA)
    assert area_committees.count() == 4
    assert {committee.parent for committee in area_committees} == {main}
    local = MedCommittee.objects.filter(level=MedCommittee.Level.LOCAL)
    assert local.exists()
    for committee in local:
        assert committee.parent.level == MedCommittee.Level.AREA
        area = committee.covers.get()
        assert area.kind == OrgUnit.Kind.AREA
        assert area.path.startswith(committee.parent.covers.get().path)


def test_every_med_committee_has_a_chair_and_representatives() -> None:
    seed()
    for committee in MedCommittee.objects.all():
        roles = set(committee.memberships.values_list("role", flat=True))
        assert {
            MedMembership.Role.CHAIR,
            MedMembership.Role.DEPUTY_CHAIR,
            MedMembership.Role.LEADER_REPRESENTATIVE,
            MedMembership.Role.EMPLOYEE_REPRESENTATIVE,
        } <= roles, committee
    work_environment = MedMembership.objects.filter(
        role=MedMembership.Role.WORK_ENVIRONMENT_REPRESENTATIVE
    )
    assert work_environment.exists()


def test_the_chairs_are_leaders() -> None:
    seed()
    chairs = MedMembership.objects.filter(role=MedMembership.Role.CHAIR).values("user")
    assert not User.objects.filter(pk__in=chairs).exclude(role_assignments__role="leader").exists()


def test_a_leadership_community_joins_leaders_across_units() -> None:
    seed()
    community = LeadershipCommunity.objects.get()
    assert community.members.count() >= 3
    assert community.units.count() == community.members.count()
    assert not community.members.exclude(role_assignments__role="leader").exists()


def test_the_same_seed_gives_the_same_municipality() -> None:
    seed()
    first = list(
        User.objects.order_by("external_id").values_list("name", "email", "home_unit__name")
    )
    seed(reset=True)
    again = list(
        User.objects.order_by("external_id").values_list("name", "email", "home_unit__name")
    )
    assert first == again


def test_depth_six_splits_teams_into_sub_teams() -> None:
    seed(depth=6)
    assert max(OrgUnit.objects.values_list("depth", flat=True)) == 6
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


def test_it_refuses_fewer_employees_than_the_units_need() -> None:
    with pytest.raises(CommandError, match="at least"):
        call_command("seed_demo", employees=20, stdout=StringIO())
    assert not OrgUnit.objects.exists()


# --- Demo logins ----------------------------------------------------------------------------


@pytest.mark.usefixtures("debug")
def test_it_creates_the_demo_logins_when_debug_is_on() -> None:
    output = seed()
    logins = {user.username: user for user in User.objects.filter(username__in=demo.DEMO_USERNAMES)}
    assert set(logins) == set(demo.DEMO_USERNAMES)
    assert all(user.check_password("demo") for user in logins.values())
    assert "demo_logins" in output
    assert employees() == EMPLOYEES  # three of the employees became logins, none was added


@pytest.mark.usefixtures("debug")
def test_the_leader_login_leads_an_area_with_several_workplaces() -> None:
    seed()
    leader = User.objects.get(username="leder")
    area = leader.home_unit
    assert area.kind == OrgUnit.Kind.AREA
    workplaces = OrgUnit.objects.filter(path__startswith=area.path, depth=area.depth + 1)
    assert workplaces.count() >= 2
    assert RoleAssignment.objects.filter(user=leader, role="leader", unit=area).exists()


@pytest.mark.usefixtures("debug")
def test_the_employee_login_works_in_a_workplace_of_that_area_and_has_email() -> None:
    seed()
    area = User.objects.get(username="leder").home_unit
    employee = User.objects.get(username="medarbejder")
    assert employee.home_unit.path.startswith(area.path)
    assert employee.home_unit.kind in {OrgUnit.Kind.WORKPLACE, OrgUnit.Kind.TEAM}
    assert employee.email
    assert not employee.role_assignments.exists()
    assert not employee.med_memberships.exists()


@pytest.mark.usefixtures("debug")
def test_the_med_login_is_employee_representative_in_the_area_committee_covering_their_work() -> (
    None
):
    seed()
    member = User.objects.get(username="med")
    membership = member.med_memberships.get(role=MedMembership.Role.EMPLOYEE_REPRESENTATIVE)
    assert membership.committee.level == MedCommittee.Level.AREA
    # Only that committee: a seat in Hoved-MED would let the login see the whole municipality.
    assert {m.committee_id for m in member.med_memberships.all()} == {membership.committee_id}
    assert member.home_unit.path.startswith(membership.committee.covers.get().path)
    assert member.home_unit.path.startswith(User.objects.get(username="leder").home_unit.path)


@pytest.mark.usefixtures("debug")
def test_the_politician_and_hr_logins_have_roles_without_a_unit() -> None:
    seed()
    politician = User.objects.get(username="politiker")
    hr = User.objects.get(username="hr")
    assert politician.role_assignments.get().role == RoleAssignment.Role.POLITICIAN
    assert hr.role_assignments.get(unit__isnull=True).role == RoleAssignment.Role.HR
    assert hr.is_staff
    assert hr.is_superuser


@pytest.mark.usefixtures("no_debug")
def test_it_skips_the_demo_logins_when_debug_is_off() -> None:
    output = seed()
    assert "skipped because DEBUG is off" in output
    assert not User.objects.filter(username__in=demo.DEMO_USERNAMES).exists()
    assert not RoleAssignment.objects.exclude(role=RoleAssignment.Role.LEADER).exists()
    assert not User.objects.exclude(password__startswith="!").exists()


@pytest.mark.usefixtures("debug")
def test_demo_logins_lists_each_login_with_its_password() -> None:
    seed()
    output = demo_logins()
    for login in demo.DEMO_LOGINS:
        assert re.search(rf"^{login.username}\s+demo\s", output, re.MULTILINE)


@pytest.mark.usefixtures("no_debug")
def test_demo_logins_says_so_when_there_are_none() -> None:
    seed()
    output = demo_logins()
    assert "no demo logins" in output
    assert not re.search(rf"^({'|'.join(demo.DEMO_USERNAMES)})\s", output, re.MULTILINE)


def main_menu_links(html: str) -> set[str]:
    nav = re.search(r"<nav\b[^>]*aria-label=[^>]*>(.*?)</nav>", html, re.DOTALL)
    assert nav, "the page has no main menu"
    return {link for link in MENU_LINKS if f'href="{link}"' in nav.group(1)}


@pytest.mark.usefixtures("debug")
@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("leder", {"/organisation/", "/med/"}),
        ("medarbejder", {"/organisation/"}),
        ("med", {"/organisation/", "/med/"}),
        ("politiker", {"/organisation/"}),
        ("hr", set(MENU_LINKS)),
    ],
)
def test_each_demo_login_sees_its_roles_navigation(
    client: Client, username: str, expected: set[str]
) -> None:
    seed()
    client.force_login(User.objects.get(username=username))
    response = client.get("/")
    assert response.status_code == 200
    assert main_menu_links(response.content.decode()) == expected


# --- Running it again -----------------------------------------------------------------------


@pytest.mark.usefixtures("debug")
def test_a_second_run_keeps_the_data_and_says_so() -> None:
    seed()
    before = (OrgUnit.objects.count(), User.objects.count(), MedMembership.objects.count())
    ids = set(User.objects.values_list("pk", flat=True))
    output = seed()
    assert "already exists" in output
    assert (OrgUnit.objects.count(), User.objects.count(), MedMembership.objects.count()) == before
    assert set(User.objects.values_list("pk", flat=True)) == ids


@pytest.mark.usefixtures("debug")
def test_reset_deletes_the_demo_and_builds_it_again() -> None:
    seed()
    old_ids = set(User.objects.values_list("pk", flat=True))
    call_command("seed_demo", employees=300, reset=True, stdout=StringIO())
    assert employees() == 300
    assert not old_ids & set(User.objects.values_list("pk", flat=True))
    assert OrgUnit.objects.filter(depth=1).count() == 1
    assert MedCommittee.objects.filter(level=MedCommittee.Level.MAIN).count() == 1
    assert LeadershipCommunity.objects.count() == 1
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


@pytest.mark.usefixtures("debug")
def test_reset_leaves_people_outside_the_demo_alone() -> None:
    outsider = User.objects.create_user(username="anne", password="secret-password-1")
    seed()
    seed(reset=True)
    assert User.objects.filter(pk=outsider.pk).exists()


def test_organisation_only_builds_the_municipality_without_the_other_parts() -> None:
    from kerneopgaver.models import CoreTask

    call_command("seed_demo", employees=200, organisation_only=True, stdout=StringIO())
    assert OrgUnit.objects.exists()
    assert not CoreTask.objects.exists()
