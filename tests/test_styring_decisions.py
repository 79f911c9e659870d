"""Intensity decisions: tighten, keep, loosen, remove, per instrument and area
(styring/services/decisions.py, the decide page and the decisions panel)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from kerneopgaver.models import CoreTask
from organisation.models import OrgUnit, User
from styring.models import Decision, Instrument, Justification
from styring.panels import instrument_panels
from styring.queries import governance_for_units
from styring.services.decisions import decision_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def core_task(title: str = "Børns trivsel") -> CoreTask:
    return CoreTask.objects.create(
        title=title,
        purpose="Formål",
        desired_effect="Effekt",
        status=CoreTask.Status.ADOPTED,
        adopted_on=TODAY,
        council_decision="Byrådet",
    )


def instrument(
    owner: OrgUnit, *applies_to: OrgUnit, minutes: int = 30, title: str = "Dokumentation"
) -> Instrument:
    made = Instrument.objects.create(
        title=title,
        kind=Instrument.Kind.DOCUMENTATION,
        origin=Instrument.Origin.ADMINISTRATION,
        owner_unit=owner,
        minutes_per_month=minutes,
        status=Instrument.Status.ACTIVE,
    )
    made.applies_to.add(*(applies_to or (owner,)))
    Justification.objects.create(instrument=made, core_task=core_task(), how="Det hjælper")
    return made


def staff(unit: OrgUnit, count: int) -> None:
    for _ in range(count):
        UserFactory(home_unit=unit)


def record(target: Instrument, **overrides: object) -> Decision:
    values = {
        "instrument": target,
        "area": None,
        "kind": Decision.Kind.LOOSEN,
        "reason": "Bruges ikke i praksis",
        "decision_maker": "Direktionen",
        "decided_on": TODAY,
        "review_on": TODAY + datetime.timedelta(days=365),
        "minutes_after": 10,
        "author": None,
    }
    values.update(overrides)
    return decision_record(**values)


def minutes_at(unit: OrgUnit) -> dict[str, int]:
    unit.refresh_from_db()
    return {
        applied.instrument.title: applied.minutes
        for applied in governance_for_units([unit])[unit.pk]
    }


# --- Hours freed -------------------------------------------------------------------------------


def test_loosening_from_30_to_10_minutes_for_12_employees_frees_48_hours_a_year(
    org: SimpleNamespace,
) -> None:
    staff(org.group, 12)
    target = instrument(org.east, org.east)
    decision = record(target, area=org.group, minutes_after=10)
    assert (decision.minutes_before, decision.minutes_after, decision.employees) == (30, 10, 12)
    assert decision.hours_per_year_freed == 48


def test_tightening_adds_hours_rather_than_freeing_them(org: SimpleNamespace) -> None:
    staff(org.group, 12)
    target = instrument(org.east, org.east)
    decision = record(target, area=org.group, kind=Decision.Kind.TIGHTEN, minutes_after=40)
    assert decision.hours_per_year_freed == -24


def test_removing_frees_all_the_minutes_and_retires_the_instrument(org: SimpleNamespace) -> None:
    staff(org.solsikken, 5)
    target = instrument(org.nord)
    decision = record(target, kind=Decision.Kind.REMOVE, minutes_after=None)
    target.refresh_from_db()
    assert decision.minutes_after == 0
    assert decision.hours_per_year_freed == 30 * 5 * 12 / 60
    assert target.status == Instrument.Status.RETIRED
    assert "Dokumentation" not in minutes_at(org.solsikken)


def test_a_whole_instrument_decision_becomes_its_time_cost_and_review_date(
    org: SimpleNamespace,
) -> None:
    target = instrument(org.nord)
    review = TODAY + datetime.timedelta(days=200)
    record(target, minutes_after=12, review_on=review)
    target.refresh_from_db()
    assert (target.minutes_per_month, target.review_on) == (12, review)
    assert minutes_at(org.maelkeboetten) == {"Dokumentation": 12}


def test_keeping_keeps_the_time_cost_whatever_minutes_are_given(org: SimpleNamespace) -> None:
    target = instrument(org.nord)
    decision = record(target, kind=Decision.Kind.KEEP, minutes_after=5)
    target.refresh_from_db()
    assert (decision.minutes_before, decision.minutes_after) == (30, 30)
    assert target.minutes_per_month == 30


# --- Areas ---------------------------------------------------------------------------------------


def test_an_area_decision_applies_only_in_the_area(org: SimpleNamespace) -> None:
    target = instrument(org.nord)
    record(target, area=org.solsikken, minutes_after=10)
    target.refresh_from_db()
    assert minutes_at(org.solsikken) == {"Dokumentation": 10}
    assert minutes_at(org.maelkeboetten) == {"Dokumentation": 30}
    assert target.minutes_per_month == 30


def test_removing_in_an_area_keeps_the_instrument_elsewhere(org: SimpleNamespace) -> None:
    target = instrument(org.nord)
    record(target, area=org.solsikken, kind=Decision.Kind.REMOVE, minutes_after=None)
    target.refresh_from_db()
    assert minutes_at(org.solsikken) == {}
    assert minutes_at(org.maelkeboetten) == {"Dokumentation": 30}
    assert target.status == Instrument.Status.ACTIVE


def test_the_time_cost_before_an_area_decision_is_what_applies_there(
    org: SimpleNamespace,
) -> None:
    target = instrument(org.nord)
    record(target, area=org.nord, minutes_after=20)
    decision = record(target, area=org.solsikken, minutes_after=5)
    assert decision.minutes_before == 20


def test_a_whole_removal_does_not_count_employees_already_freed_in_an_area(
    org: SimpleNamespace,
) -> None:
    staff(org.solsikken, 4)
    staff(org.maelkeboetten, 6)
    target = instrument(org.nord)
    record(target, area=org.solsikken, kind=Decision.Kind.REMOVE, minutes_after=None)
    decision = record(target, kind=Decision.Kind.REMOVE, minutes_after=None)
    assert decision.employees == 6


# --- Refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reason": "  "}, "reason", "Give the reason for the decision."),
        ({"decision_maker": ""}, "decision_maker", "Say who made the decision."),
        ({"kind": "abolish"}, "kind", "Choose one of the decisions offered."),
        ({"kind": Decision.Kind.SIMPLIFY}, "kind", "Choose one of the decisions offered."),
        ({"minutes_after": None}, "minutes_after", "Give the time cost after the decision."),
        ({"minutes_after": 45}, "minutes_after", "cannot raise the time cost"),
        (
            {"kind": Decision.Kind.TIGHTEN, "minutes_after": 20},
            "minutes_after",
            "Tightening cannot lower the time cost",
        ),
        ({"minutes_after": 99999}, "minutes_after", "between 0 and 9000"),
        (
            {"decided_on": TODAY + datetime.timedelta(days=1)},
            "decided_on",
            "cannot be in the future",
        ),
        ({"review_on": TODAY}, "review_on", "must come after the decision"),
    ],
)
def test_a_bad_decision_is_refused_with_a_message_and_nothing_is_saved(
    org: SimpleNamespace, overrides: dict[str, object], field: str, message: str
) -> None:
    target = instrument(org.nord)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        record(target, **overrides)
    assert any(message in text for text in refused.value.message_dict[field])
    target.refresh_from_db()
    assert Decision.objects.count() == 0
    assert (target.minutes_per_month, target.status) == (30, Instrument.Status.ACTIVE)


def test_an_area_outside_where_the_instrument_applies_is_refused(org: SimpleNamespace) -> None:
    target = instrument(org.nord)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        record(target, area=org.group)
    assert refused.value.message_dict["area"] == ["Choose an area where the instrument applies."]
    assert Decision.objects.count() == 0


def test_a_retired_instrument_cannot_be_decided_on(org: SimpleNamespace) -> None:
    target = instrument(org.nord)
    Instrument.objects.filter(pk=target.pk).update(status=Instrument.Status.RETIRED)
    with pytest.raises(ValidationError):
        record(target)
    assert Decision.objects.count() == 0


def test_only_tightening_brings_an_instrument_back_where_it_was_removed(
    org: SimpleNamespace,
) -> None:
    target = instrument(org.nord)
    record(target, area=org.nord, kind=Decision.Kind.REMOVE, minutes_after=None)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        record(target, area=org.solsikken, kind=Decision.Kind.KEEP)
    assert "only tightening" in refused.value.message_dict["kind"][0]
    back = record(target, area=org.solsikken, kind=Decision.Kind.TIGHTEN, minutes_after=15)
    assert back.minutes_before == 0
    assert minutes_at(org.solsikken) == {"Dokumentation": 15}


# --- The decide page ---------------------------------------------------------------------------


def form_data(**overrides: object) -> dict[str, object]:
    data = {
        "kind": "loosen",
        "area": "",
        "reason": "Dobbeltregistrering",
        "decision_maker": "Område-MED Dagtilbud",
        "decided_on": TODAY.isoformat(),
        "review_on": (TODAY + datetime.timedelta(days=180)).isoformat(),
        "minutes_after": "10",
    }
    data.update(overrides)
    return data


def test_a_leader_records_a_decision_on_an_instrument_owned_in_their_area(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    target = instrument(org.nord)
    response = client_for(leader).post(
        reverse("styring:decide", args=[target.pk]), form_data(area=org.solsikken.pk)
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("styring:instrument", args=[target.pk])
    decision = Decision.objects.get()
    assert (decision.area, decision.decided_by, decision.minutes_after) == (
        org.solsikken,
        leader,
        10,
    )


def test_the_area_choices_are_the_units_where_the_instrument_applies(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    target = instrument(org.nord)
    client = client_for(leader)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("styring:decide", args=[target.pk]))
    assert response.status_code == 200
    choices = {unit.pk for unit in response.context["form"].fields["area"].queryset}
    assert choices == {org.nord.pk, org.solsikken.pk, org.maelkeboetten.pk}
    assert "Everywhere the instrument applies" in response.content.decode()


def test_a_refused_decision_shows_the_message_by_the_field_and_saves_nothing(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    target = instrument(org.nord)
    client = client_for(leader)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("styring:decide", args=[target.pk]), form_data(kind="tighten", minutes_after="5")
    )
    assert response.status_code == 200
    assert "Tightening cannot lower the time cost" in response.content.decode()
    assert Decision.objects.count() == 0


def test_a_leader_cannot_decide_on_an_instrument_owned_elsewhere(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    target = instrument(org.east)
    response = client_for(leader).post(reverse("styring:decide", args=[target.pk]), form_data())
    assert response.status_code == 403
    assert Decision.objects.count() == 0


@pytest.mark.parametrize("persona", ["employee", "politician", "med_member"])
def test_employees_politicians_and_med_members_cannot_decide(
    client_for, org: SimpleNamespace, persona: str, request: pytest.FixtureRequest
) -> None:
    target = instrument(org.nord)
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse("styring:decide", args=[target.pk])).status_code == 403


# --- The decisions panel -------------------------------------------------------------------------


def panel_html(user: User, target: Instrument) -> str:
    request = RequestFactory().get("/")
    request.user = user
    with translation.override("en"):
        return "".join(instrument_panels.render(request, target))


def test_the_instrument_page_lists_its_decisions_newest_first(
    org: SimpleNamespace, leader: User
) -> None:
    staff(org.group, 12)
    target = instrument(org.east, org.east)
    record(target, area=org.group, minutes_after=10, decided_on=TODAY - datetime.timedelta(9))
    record(target, kind=Decision.Kind.TIGHTEN, minutes_after=35, reason="Vigtigt for kvaliteten")
    html = panel_html(leader, target)
    assert html.index("Vigtigt for kvaliteten") < html.index("Bruges ikke i praksis")
    assert "Gruppe 1" in html
    assert "everywhere it applies" in html
    assert "30 → 10" in html
    assert ">48<" in html
    assert "Record a decision" not in html  # the instrument is owned outside the leader's area


def test_the_decisions_panel_offers_a_decision_to_those_who_may_decide(
    org: SimpleNamespace, leader: User
) -> None:
    target = instrument(org.nord)
    html = panel_html(leader, target)
    assert "No decisions on this instrument yet." in html
    assert reverse("styring:decide", args=[target.pk]) in html


def test_after_deciding_the_instrument_page_shows_the_decision(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    target = instrument(org.nord)
    client = client_for(leader)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("styring:decide", args=[target.pk]),
        form_data(area=org.solsikken.pk, reason="Fylder for meget"),
        follow=True,
    )
    html = response.content.decode()
    assert "The decision was recorded." in html
    assert 'id="decisions"' in html
    assert "Fylder for meget" in html
    assert "30 → 10" in html
