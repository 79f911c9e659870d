"""The governance map, the overview for politicians, top management and MED, and the governance
panel on a core task's hub page (styring/queries/map.py, overview.py, hub_panel.py)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kerneopgaver.models import CoreTask
from organisation.models import OrgUnit, User
from styring.models import Decision, Instrument, Justification, SignalAggregation, SignalResult
from styring.services.decisions import decision_record
from tests.factories import UserFactory, unit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def task(title: str) -> CoreTask:
    return CoreTask.objects.create(
        title=title,
        purpose="Formål",
        desired_effect="Effekt",
        status=CoreTask.Status.ADOPTED,
        adopted_on=TODAY,
        council_decision="Byrådet",
    )


def instrument(
    title: str,
    owner: OrgUnit,
    minutes: int,
    *tasks: CoreTask,
    status: str = Instrument.Status.ACTIVE,
) -> Instrument:
    made = Instrument.objects.create(
        title=title,
        kind=Instrument.Kind.DOCUMENTATION,
        origin=Instrument.Origin.COUNCIL,
        owner_unit=owner,
        minutes_per_month=minutes,
        status=status,
    )
    made.applies_to.add(owner)
    for core_task in tasks:
        Justification.objects.create(instrument=made, core_task=core_task, how="Sådan")
    return made


@pytest.fixture
def world(org: SimpleNamespace) -> SimpleNamespace:
    """Læring justifies A (Dagtilbud Nord, 30 min) and B (everyone, 15 min); Trivsel justifies
    B; C (Hjemmeplejen Øst, 20 min) is under review without a justification."""
    learning, wellbeing = task("Læring"), task("Trivsel")
    return SimpleNamespace(
        learning=learning,
        wellbeing=wellbeing,
        a=instrument("A", org.nord, 30, learning),
        b=instrument("B", org.root, 15, learning, wellbeing),
        c=instrument("C", org.east, 20, status=Instrument.Status.UNDER_REVIEW),
    )


def decide(target: Instrument, area: OrgUnit | None, kind: str, minutes: int | None) -> Decision:
    return decision_record(
        instrument=target,
        area=area,
        kind=kind,
        reason="Begrundelse",
        decision_maker="Direktionen",
        decided_on=TODAY,
        review_on=None,
        minutes_after=minutes,
        author=None,
    )


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def cells(page: object, unit_name: str) -> list[tuple[int, int, str | None]]:
    """(count, minutes, marker) per column of a row: core tasks, no justification, total."""
    (row,) = [row for row in page.rows if row.unit.name == unit_name]
    return [(c.count, c.minutes, c.marker) for c in [*row.cells, row.unjustified, row.total]]


# --- The map -----------------------------------------------------------------------------------


def test_the_map_counts_instruments_and_minutes_per_unit_and_core_task(
    client_for, politician: User, world: SimpleNamespace
) -> None:
    response = english(client_for(politician)).get(reverse("styring:map"))
    page = response.context["map"]
    assert [task.title for task in page.core_tasks] == ["Læring", "Trivsel"]
    assert [row.unit.name for row in page.rows] == [
        "Testkommune",
        "Børn og Unge",
        "Dagtilbud Nord",
        "Sundhed og Omsorg",
        "Hjemmeplejen Øst",
    ]
    assert cells(page, "Dagtilbud Nord") == [
        (2, 45, None),
        (1, 15, None),
        (0, 0, None),
        (2, 45, None),
    ]
    assert cells(page, "Hjemmeplejen Øst") == [
        (1, 15, None),
        (1, 15, None),
        (1, 20, None),
        (2, 35, None),
    ]
    html = response.content.decode()
    assert "<caption>Governance by unit and core task" in html
    assert '<th scope="col" class="number hm-col" data-core-task' in html
    assert "2 · 45 min" in html


def test_a_loosened_cell_is_marked_in_shape_and_words(
    client_for, politician: User, org: SimpleNamespace, world: SimpleNamespace
) -> None:
    decide(world.a, org.nord, Decision.Kind.LOOSEN, 10)
    response = english(client_for(politician)).get(reverse("styring:map"))
    page = response.context["map"]
    assert cells(page, "Dagtilbud Nord")[0] == (2, 25, "loosened")
    assert cells(page, "Hjemmeplejen Øst")[0] == (1, 15, None)
    html = response.content.decode()
    marker = '<span aria-hidden="true">▼</span><span class="visually-hidden">, loosened by'
    assert f"{marker} the latest decision</span>" in html


def test_a_tightened_cell_is_marked_where_the_latest_decision_tightened(
    client_for, politician: User, org: SimpleNamespace, world: SimpleNamespace
) -> None:
    decide(world.a, org.nord, Decision.Kind.LOOSEN, 10)
    decide(world.b, None, Decision.Kind.TIGHTEN, 20)  # later: the latest in every cell with B
    page = english(client_for(politician)).get(reverse("styring:map")).context["map"]
    assert cells(page, "Dagtilbud Nord")[:2] == [(2, 30, "tightened"), (1, 20, "tightened")]
    assert (
        "tightened by the latest decision"
        in english(client_for(politician)).get(reverse("styring:map")).content.decode()
    )


def test_a_removed_instrument_leaves_the_map_where_it_was_removed(
    client_for, politician: User, org: SimpleNamespace, world: SimpleNamespace
) -> None:
    decide(world.c, org.east, Decision.Kind.REMOVE, None)
    page = client_for(politician).get(reverse("styring:map")).context["map"]
    assert cells(page, "Hjemmeplejen Øst")[2:] == [(0, 0, None), (1, 15, None)]


def test_drilling_down_shows_a_unit_and_its_children(
    client_for, politician: User, org: SimpleNamespace, world: SimpleNamespace
) -> None:
    client = english(client_for(politician))
    response = client.get(reverse("styring:map"), {"enhed": org.nord.pk})
    page = response.context["map"]
    assert [row.unit.name for row in page.rows] == [
        "Dagtilbud Nord",
        "Børnehuset Solsikken",
        "Vuggestuen Mælkebøtten",
    ]
    assert [unit.name for unit in page.trail] == ["Testkommune", "Børn og Unge"]
    partial = client.get(reverse("styring:map"), {"enhed": org.nord.pk}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert 'id="governance-map"' in partial.content.decode()


def test_the_level_filter_shows_more_levels(
    client_for, politician: User, world: SimpleNamespace
) -> None:
    page = client_for(politician).get(reverse("styring:map"), {"niveauer": "4"}).context["map"]
    assert "Gruppe 1" in [row.unit.name for row in page.rows]


def test_a_leader_sees_only_the_units_they_lead_on_the_map(
    client_for, leader: User, org: SimpleNamespace, world: SimpleNamespace
) -> None:
    client = client_for(leader)
    page = client.get(reverse("styring:map")).context["map"]
    assert [row.unit.name for row in page.rows] == [
        "Dagtilbud Nord",
        "Børnehuset Solsikken",
        "Vuggestuen Mælkebøtten",
    ]
    assert client.get(reverse("styring:map"), {"enhed": org.east.pk}).status_code == 404


def test_a_med_member_sees_the_map_and_an_employee_does_not(
    client_for, med_member: User, employee: User
) -> None:
    assert client_for(med_member).get(reverse("styring:map")).status_code == 200
    assert client_for(employee).get(reverse("styring:map")).status_code == 403


def test_the_maps_queries_do_not_grow_with_the_number_of_units(
    client_for, politician: User, org: SimpleNamespace, world: SimpleNamespace
) -> None:
    client = client_for(politician)
    url = reverse("styring:map")
    client.get(url, {"niveauer": "8"})  # warm up the session

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"niveauer": "8"})
        assert response.status_code == 200
        return len(captured)

    before = queries()
    for number in range(12):
        place = unit(f"Institution {number}", parent=org.nord)
        instrument(f"Lokal {number}", place, 5, world.learning)
    rows = len(client.get(url, {"niveauer": "8"}).context["map"].rows)
    assert rows == 8 + 12
    assert queries() == before


# --- The overview ------------------------------------------------------------------------------


@pytest.fixture
def staffed(org: SimpleNamespace, world: SimpleNamespace) -> SimpleNamespace:
    """4 employees in Solsikken, 2 in Mælkebøtten, 3 in Gruppe 1; a visible value-signal figure
    on B (6 of 8 say it helps) and a hidden one on A."""
    for place, count in ((org.solsikken, 4), (org.maelkeboetten, 2), (org.group, 3)):
        for _ in range(count):
            UserFactory(home_unit=place)
    SignalAggregation.objects.create(
        period="2025-Q1", k=5, signals=11, fingerprint="x", computed_at=timezone.now()
    )
    SignalResult.objects.create(
        period="2025-Q1",
        instrument=world.b,
        unit=org.root,
        cell="subtree",
        hidden=False,
        n=8,
        helps=[4, 2, 2, 0],
        uses=[8, 0, 0, 0],
        duplicate=[0, 8, 0],
    )
    SignalResult.objects.create(
        period="2025-Q1", instrument=world.a, unit=org.root, cell="subtree", hidden=True
    )
    return world


def overview_of(client: Client) -> object:
    response = english(client).get(reverse("styring:overview"))
    assert response.status_code == 200
    return response.context["overview"]


def test_the_overview_gives_the_figures_per_core_task(
    client_for, politician: User, org: SimpleNamespace, staffed: SimpleNamespace
) -> None:
    decide(staffed.a, org.solsikken, Decision.Kind.LOOSEN, 10)  # 20 min × 4 × 12 / 60 = 16 h
    overview = overview_of(client_for(politician))
    lines = {line.label: line for line in overview.by_core_task}
    learning = lines["Læring"]
    # A: 10 min × 4 + 30 × 2; B: 15 × 9 → 235 minutes a month, 47 hours a year, 9 employees.
    assert (learning.instruments, learning.hours_per_year, learning.employees) == (2, 47, 9)
    assert (learning.signals.helpful_share, learning.signals.n) == (75, 8)
    assert (learning.decision_counts, learning.freed) == ({"loosen": 1}, 16)
    unjustified = lines["No justification by a core task"]
    assert (unjustified.instruments, unjustified.hours_per_year, unjustified.employees) == (
        1,
        12,
        3,
    )
    assert unjustified.signals.helpful_share is None


def test_the_overview_gives_the_figures_per_area(
    client_for, politician: User, org: SimpleNamespace, staffed: SimpleNamespace
) -> None:
    decide(staffed.a, org.solsikken, Decision.Kind.LOOSEN, 10)
    overview = overview_of(client_for(politician))
    areas = {line.label: line for line in overview.by_area}
    children, health = areas["Børn og Unge"], areas["Sundhed og Omsorg"]
    assert (children.instruments, children.justified_share, children.hours_per_year) == (2, 100, 38)
    assert children.decisions_total == 1
    assert (health.instruments, health.justified_share, health.hours_per_year) == (2, 50, 21)
    assert (health.minutes_per_employee, health.decisions_total) == (35, 0)
    total = overview.total
    assert (total.instruments, total.justified_share, total.hours_per_year) == (3, 67, 59)


def test_the_overview_page_shows_tables_with_captions_and_only_visible_signals(
    client_for, hr: User, staffed: SimpleNamespace
) -> None:
    html = english(client_for(hr)).get(reverse("styring:overview")).content.decode()
    assert "<caption>Governance in force by the core task" in html
    assert "<caption>Governance in force in each directorate" in html
    assert "75 % (n = 8)" in html


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("politician", 200),
        ("med_member", 200),
        ("hr", 200),
        ("leader", 403),
        ("employee", 403),
    ],
)
def test_who_sees_the_overview(
    client_for, request: pytest.FixtureRequest, persona: str, status: int
) -> None:
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse("styring:overview")).status_code == status


def test_the_top_leader_sees_the_overview(client_for, org: SimpleNamespace) -> None:
    from organisation.models import RoleAssignment
    from tests.factories import assign

    director = UserFactory(username="direktør")
    assign(director, RoleAssignment.Role.LEADER, org.root)
    assert client_for(director).get(reverse("styring:overview")).status_code == 200


# --- The hub panel -----------------------------------------------------------------------------


def test_the_core_task_hub_lists_its_governance_and_total_time_cost(
    client_for, employee: User, org: SimpleNamespace, staffed: SimpleNamespace
) -> None:
    instrument("Pensioneret", org.nord, 40, staffed.learning, status="retired")
    instrument("Forslag", org.nord, 40, staffed.learning, status="proposed")
    response = english(client_for(employee)).get(
        reverse("kerneopgaver:hub", args=[staffed.learning.pk])
    )
    html = response.content.decode()
    assert "Governance justified by this core task" in html
    assert reverse("styring:instrument", args=[staffed.a.pk]) in html
    assert reverse("styring:instrument", args=[staffed.b.pk]) in html
    assert "Pensioneret" not in html
    assert "Forslag" not in html
    assert 'data-figure="minutes">45<' in html
    # 30 min × 7 employees in Dagtilbud Nord (with the employee persona) + 15 × 10 everywhere.
    assert "about 72 hours a year for the 10 employees" in html


def test_anonymous_visitors_see_the_core_task_hub_without_governance(
    client, staffed: SimpleNamespace
) -> None:
    response = english(client).get(reverse("kerneopgaver:hub", args=[staffed.learning.pk]))
    assert response.status_code == 200
    assert "Governance justified by this core task" not in response.content.decode()
    assert "/styring/" not in response.content.decode()


def test_a_core_task_without_governance_says_so(
    client_for, employee: User, world: SimpleNamespace
) -> None:
    quiet = task("Stille")
    response = english(client_for(employee)).get(reverse("kerneopgaver:hub", args=[quiet.pk]))
    assert "No instruments in force are justified by this core task." in response.content.decode()


def test_review_dates_do_not_matter_to_the_map(
    client_for, politician: User, world: SimpleNamespace
) -> None:
    Instrument.objects.filter(pk=world.a.pk).update(review_on=TODAY - datetime.timedelta(days=1))
    page = client_for(politician).get(reverse("styring:map")).context["map"]
    assert cells(page, "Dagtilbud Nord")[0][:2] == (2, 45)
