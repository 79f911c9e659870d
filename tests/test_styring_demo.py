"""The governance part of `manage.py seed_demo`: instruments, justifications, last quarter's value
signals and their results, and decisions. These tests look at the database and the services."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from pytest_django.fixtures import Settings

from organisation import demo as organisation_demo
from organisation.models import OrgUnit, RoleAssignment, User
from styring import demo, periods
from styring.models import (
    Decision,
    Instrument,
    Justification,
    SignalAggregation,
    SignalResult,
    ValueSignal,
)
from tests.factories import unit

pytestmark = pytest.mark.django_db

EMPLOYEES = 200


@pytest.fixture(autouse=True)
def debug(settings: Settings) -> None:
    # The demo logins exist only with DEBUG; several tests are about what they see.
    settings.DEBUG = True


def seed(**options: object) -> str:
    out = StringIO()
    call_command("seed_demo", employees=EMPLOYEES, stdout=out, **options)
    return out.getvalue()


def test_the_demo_has_about_forty_instruments_most_of_them_justified() -> None:
    output = seed()
    assert "Built the demo's governance instruments" in output
    instruments = Instrument.objects.all()
    assert 35 <= instruments.count() <= 45
    justified = instruments.filter(justifications__isnull=False).distinct().count()
    assert justified > instruments.count() / 2
    assert {row.origin for row in instruments} == set(Instrument.Origin.values)
    assert {row.kind for row in instruments} == set(Instrument.Kind.values)
    assert {row.status for row in instruments} == set(Instrument.Status.values)
    magt = Instrument.objects.get(title="Dokumentation af magtanvendelse")
    assert magt.mandatory
    assert "Serviceloven" in magt.legal_basis
    # Every instrument in force keeps the activation rule.
    for instrument in instruments.in_force():
        assert instrument.justifications.exists() or instrument.is_legal_duty_with_reference


def test_the_review_register_has_candidates_for_every_reason_and_decisions_freed_hours() -> None:
    from styring.queries.review import hours_freed, review_candidates

    seed()
    hr = User.objects.get(username="hr")
    reasons = {code for candidate in review_candidates(hr) for code in candidate.codes}
    assert reasons >= {"unjustified", "unhelpful", "past_review", "high_cost", "duplicate"}
    kinds = set(Decision.objects.values_list("kind", flat=True))
    assert {Decision.Kind.TIGHTEN, Decision.Kind.LOOSEN, Decision.Kind.REMOVE} <= kinds
    removed = Decision.objects.get(kind=Decision.Kind.REMOVE).instrument
    assert removed.status == Instrument.Status.RETIRED
    assert hours_freed().freed > 0
    tightened = Decision.objects.get(kind=Decision.Kind.TIGHTEN)
    assert tightened.area is not None
    assert tightened.minutes_after > tightened.minutes_before


def test_medarbejder_has_instruments_that_apply_and_can_give_a_signal_this_quarter() -> None:
    from styring.queries import governance_for_units
    from styring.services.signals import has_given, signal_give

    seed()
    employee = User.objects.get(username="medarbejder")
    applied = governance_for_units([employee.home_unit])[employee.home_unit_id]
    assert len(applied) >= 4
    assert any(entry.instrument.justifications.exists() for entry in applied)
    current = periods.current_period()
    instrument = applied[0].instrument
    assert not any(has_given(employee, entry.instrument, current) for entry in applied)
    signal_give(user=employee, instrument=instrument, helps="yes", uses="partly", duplicate="no")
    assert has_given(employee, instrument, current)

    leader = User.objects.get(username="leder")
    area = RoleAssignment.objects.get(user=leader, role=RoleAssignment.Role.LEADER).unit
    assert len(governance_for_units([area])[area.pk]) >= 4
    # An instrument owned in the leader's area, so the leader can decide on it.
    assert Instrument.objects.in_force().filter(owner_unit=area).exists()


def test_last_quarters_value_signals_are_aggregated_and_no_visible_figure_is_below_k() -> None:
    from styring.queries.signals import instrument_summaries

    seed()
    period = periods.previous(periods.current_period())
    assert ValueSignal.objects.filter(period=period).count() > 300
    assert not ValueSignal.objects.exclude(period=period).exists()
    assert SignalAggregation.objects.filter(period=period).exists()
    k = django_settings.VALUE_SIGNAL_MIN_GROUP_SIZE
    results = SignalResult.objects.filter(period=period)
    assert results.filter(hidden=True).exists()
    assert results.filter(hidden=False).exists()
    assert not results.filter(hidden=False, n__lt=k).exists()
    in_force = list(Instrument.objects.in_force().values_list("pk", flat=True))
    assert len(instrument_summaries(in_force)) > len(in_force) / 2


def test_deleting_the_demo_removes_its_governance_and_keeps_other_instruments() -> None:
    seed()
    other_root = unit("Anden kommune", kind=OrgUnit.Kind.MUNICIPALITY)
    other = Instrument.objects.create(
        title="Et andet krav",
        kind=Instrument.Kind.REPORT,
        origin=Instrument.Origin.LOCAL,
        owner_unit=other_root,
    )
    assert demo.exists()
    organisation_demo.delete_demo()
    assert not demo.exists()
    assert list(Instrument.objects.all()) == [other]
    assert not Justification.objects.exists()
    assert not Decision.objects.exists()
    assert not ValueSignal.objects.exists()
    assert not SignalResult.objects.exists()
    assert not SignalAggregation.objects.exists()


def test_seeding_again_keeps_the_instruments_and_reset_rebuilds_them() -> None:
    seed()
    before = Instrument.objects.count()
    output = seed()
    assert "governance instruments already exist" in output
    assert Instrument.objects.count() == before
    seed(reset=True)
    assert Instrument.objects.count() == before


def test_the_sample_import_file_is_valid_against_the_demo_municipality() -> None:
    from pathlib import Path

    from styring.services import importing

    seed()
    sample = Path(django_settings.BASE_DIR) / "samples" / "styring_instruments.csv"
    hr = User.objects.get(username="hr")
    plan = importing.instruments_import(author=hr, text=sample.read_text(encoding="utf-8"))
    assert plan.problems == []
    assert plan.created == 6
    assert Instrument.objects.get(
        title="Forebyggende hjemmebesøg til 75-årige"
    ).justifications.exists()
