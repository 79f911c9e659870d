"""The review register (styringsrydning): candidates and their reasons, hours freed, and review
decisions (styring/queries/review.py and the review pages)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from kerneopgaver.models import CoreTask
from organisation.models import OrgUnit, User
from styring.models import (
    Decision,
    Instrument,
    Justification,
    SignalAggregation,
    SignalResult,
)
from styring.queries import governance_for_units
from styring.queries.review import hours_freed, review_candidates
from styring.services.decisions import decision_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PERIOD = "2025-Q1"


def instrument(
    owner: OrgUnit,
    *,
    title: str = "Ugeskema",
    minutes: int = 20,
    justified: bool = True,
    status: str = Instrument.Status.ACTIVE,
    **fields: object,
) -> Instrument:
    made = Instrument.objects.create(
        title=title,
        kind=Instrument.Kind.PROCESS,
        origin=fields.pop("origin", Instrument.Origin.ADMINISTRATION),
        owner_unit=owner,
        minutes_per_month=minutes,
        status=status,
        **fields,
    )
    made.applies_to.add(owner)
    if justified:
        task = CoreTask.objects.create(
            title=f"Kerneopgave for {title}",
            purpose="Formål",
            desired_effect="Effekt",
            status=CoreTask.Status.ADOPTED,
            adopted_on=TODAY,
            council_decision="Byrådet",
        )
        Justification.objects.create(instrument=made, core_task=task, how="Sådan")
    return made


def signals(
    target: Instrument,
    root: OrgUnit,
    *,
    helps: list[int],
    duplicate: list[int],
    hidden: bool = False,
) -> None:
    """The aggregated instrument-wide figure (the root's subtree cell), as B's aggregation
    writes it; helps in the order yes, partly, no, don't know; duplicate yes, no, don't know."""
    SignalAggregation.objects.get_or_create(
        period=PERIOD,
        defaults={"k": 5, "signals": 0, "fingerprint": "x", "computed_at": timezone.now()},
    )
    figures = {
        "n": sum(helps),
        "helps": helps,
        "uses": [sum(helps), 0, 0, 0],
        "duplicate": duplicate,
    }
    SignalResult.objects.create(
        period=PERIOD,
        instrument=target,
        unit=root,
        cell=SignalResult.Cell.SUBTREE,
        hidden=hidden,
        **({} if hidden else figures),
    )


def reasons(user: User) -> dict[str, list[str]]:
    with translation.override("en"):
        return {c.instrument.title: c.codes for c in review_candidates(user)}


def review_decision(target: Instrument, **overrides: object) -> Decision:
    values = {
        "instrument": target,
        "area": None,
        "kind": Decision.Kind.KEEP,
        "reason": "Vi beholder den",
        "decision_maker": "Direktionen",
        "decided_on": TODAY,
        "review_on": TODAY + datetime.timedelta(days=365),
        "minutes_after": None,
        "author": None,
        "source": Decision.Source.REVIEW,
    }
    values.update(overrides)
    return decision_record(**values)


# --- Candidates and their reasons ------------------------------------------------------------


def test_an_instrument_without_justification_is_a_candidate(org: SimpleNamespace, hr: User) -> None:
    instrument(org.nord, title="Uden begrundelse", justified=False, status="under_review")
    instrument(org.nord, title="Begrundet")
    assert reasons(hr) == {"Uden begrundelse": ["unjustified"]}


def test_an_unjustified_legal_duty_with_a_reference_is_no_candidate(
    org: SimpleNamespace, hr: User
) -> None:
    instrument(
        org.nord,
        title="Lovpligtig",
        justified=False,
        mandatory=True,
        origin=Instrument.Origin.LAW,
        legal_basis="Dagtilbudsloven § 8",
    )
    assert reasons(hr) == {}


def test_a_voluntary_instrument_judged_unhelpful_is_a_candidate(
    org: SimpleNamespace, hr: User
) -> None:
    unhelpful = instrument(org.nord, title="Uhjælpsom")
    helpful = instrument(org.nord, title="Hjælpsom")
    signals(unhelpful, org.root, helps=[1, 1, 2, 3], duplicate=[0, 7, 0])
    signals(helpful, org.root, helps=[3, 1, 2, 1], duplicate=[0, 7, 0])
    assert reasons(hr) == {"Uhjælpsom": ["unhelpful"]}
    with translation.override("en"):
        (candidate,) = review_candidates(hr)
    assert candidate.reasons[0].label == (
        "Not mandatory, and 50 % of the employees who answered (n = 7) say it does not help them"
    )


def test_a_mandatory_instrument_judged_unhelpful_is_no_candidate_for_that(
    org: SimpleNamespace, hr: User
) -> None:
    target = instrument(org.nord, title="Påbudt", mandatory=True)
    signals(target, org.root, helps=[0, 0, 6, 0], duplicate=[0, 6, 0])
    assert reasons(hr) == {}


def test_a_hidden_value_signal_figure_makes_no_instrument_a_candidate(
    org: SimpleNamespace, hr: User
) -> None:
    target = instrument(org.nord, title="Få svar")
    signals(target, org.root, helps=[0, 0, 3, 0], duplicate=[3, 0, 0], hidden=True)
    assert reasons(hr) == {}


def test_an_instrument_past_its_review_date_is_a_candidate(org: SimpleNamespace, hr: User) -> None:
    instrument(org.nord, title="Forældet", review_on=TODAY - datetime.timedelta(days=1))
    instrument(org.nord, title="Aktuel", review_on=TODAY)
    assert reasons(hr) == {"Forældet": ["past_review"]}


def test_an_instrument_with_a_high_time_cost_is_a_candidate(
    org: SimpleNamespace, hr: User, settings
) -> None:
    settings.GOVERNANCE_HIGH_COST_MINUTES = 60
    instrument(org.nord, title="Dyr", minutes=60)
    instrument(org.nord, title="Billig", minutes=59)
    assert reasons(hr) == {"Dyr": ["high_cost"]}


def test_an_instrument_registered_twice_is_a_candidate(org: SimpleNamespace, hr: User) -> None:
    double = instrument(org.nord, title="Dobbelt")
    single = instrument(org.nord, title="Enkelt")
    signals(double, org.root, helps=[5, 0, 0, 0], duplicate=[3, 7, 2])
    signals(single, org.root, helps=[5, 0, 0, 0], duplicate=[2, 8, 2])
    assert reasons(hr) == {"Dobbelt": ["duplicate"]}


def test_a_candidate_lists_every_reason_it_has(org: SimpleNamespace, hr: User) -> None:
    instrument(
        org.nord,
        title="Alt galt",
        justified=False,
        status="under_review",
        minutes=90,
        review_on=TODAY - datetime.timedelta(days=30),
    )
    assert reasons(hr) == {"Alt galt": ["unjustified", "past_review", "high_cost"]}


def test_retired_instruments_are_no_candidates(org: SimpleNamespace, hr: User) -> None:
    instrument(org.nord, title="Pensioneret", justified=False, status="retired", minutes=90)
    assert reasons(hr) == {}


def test_a_review_decision_with_a_next_review_ahead_takes_it_off_the_list_until_then(
    org: SimpleNamespace, hr: User
) -> None:
    target = instrument(org.nord, title="Dyr", minutes=90)
    review_decision(target, decided_on=TODAY - datetime.timedelta(days=400), review_on=TODAY)
    assert reasons(hr) == {"Dyr": ["high_cost"]}  # that review date has come
    review_decision(target)
    assert reasons(hr) == {}


def test_an_intensity_decision_does_not_take_a_candidate_off_the_list(
    org: SimpleNamespace, hr: User
) -> None:
    target = instrument(org.nord, title="Dyr", minutes=90)
    review_decision(target, source=Decision.Source.INTENSITY)
    assert reasons(hr) == {"Dyr": ["high_cost"]}


# --- Hours freed -------------------------------------------------------------------------------


def test_hours_freed_adds_up_freed_and_added_hours_and_the_net(org: SimpleNamespace) -> None:
    for _ in range(12):
        UserFactory(home_unit=org.nord)
    loosened = instrument(org.nord, title="Løsnet", minutes=30)
    tightened = instrument(org.nord, title="Strammet", minutes=30)
    removed = instrument(org.nord, title="Fjernet", minutes=15)
    review_decision(loosened, kind=Decision.Kind.LOOSEN, minutes_after=10)  # 48 hours freed
    review_decision(
        tightened,
        kind=Decision.Kind.TIGHTEN,
        minutes_after=40,
        source=Decision.Source.INTENSITY,
    )  # 24 hours added
    review_decision(removed, kind=Decision.Kind.REMOVE)  # 15 × 12 × 12 / 60 = 36 hours freed
    hours = hours_freed()
    assert (hours.freed, hours.added, hours.net) == (84, 24, 60)


def test_no_decisions_free_no_hours(db: None) -> None:
    hours = hours_freed()
    assert (hours.freed, hours.added, hours.net) == (0, 0, 0)


# --- The review page -----------------------------------------------------------------------------


def get_review(client: Client, **params: str) -> HttpResponse:
    client.cookies["django_language"] = "en"
    return client.get(reverse("styring:review"), params)


def test_a_leader_sees_the_candidates_and_decides_only_on_those_owned_in_their_area(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    own = instrument(org.nord, title="Egen", minutes=90)
    foreign = instrument(org.east, title="Fremmed", minutes=90)
    response = get_review(client_for(leader))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Egen" in html
    assert "Fremmed" in html
    assert "High time cost: 90 minutes per employee per month" in html
    assert reverse("styring:review_decide", args=[own.pk]) in html
    assert reverse("styring:review_decide", args=[foreign.pk]) not in html


def test_a_leader_can_list_only_the_candidates_they_can_decide_on(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    instrument(org.nord, title="Egen", minutes=90)
    instrument(org.east, title="Fremmed", minutes=90)
    candidates = get_review(client_for(leader), mine="1").context["candidates"]
    assert [c.instrument.title for c in candidates] == ["Egen"]


def test_the_review_page_shows_the_hours_freed_and_the_decisions_taken(
    client_for, politician: User, org: SimpleNamespace
) -> None:
    for _ in range(12):
        UserFactory(home_unit=org.nord)
    target = instrument(org.nord, title="Løsnet", minutes=30)
    review_decision(target, kind=Decision.Kind.LOOSEN, minutes_after=10, reason="For tungt")
    response = get_review(client_for(politician))
    html = response.content.decode()
    assert response.context["hours"].net == 48
    assert 'data-figure="freed">48<' in html
    assert "For tungt" in html


def test_a_politician_reads_the_review_register_but_gets_no_decide_links(
    client_for, politician: User, org: SimpleNamespace
) -> None:
    target = instrument(org.nord, title="Dyr", minutes=90)
    response = get_review(client_for(politician))
    assert response.status_code == 200
    assert "Dyr" in response.content.decode()
    assert reverse("styring:review_decide", args=[target.pk]) not in response.content.decode()


def test_an_employee_cannot_open_the_review_register(client_for, employee: User) -> None:
    assert get_review(client_for(employee)).status_code == 403


# --- Review decisions ----------------------------------------------------------------------------


def review_form(**overrides: str) -> dict[str, str]:
    data = {
        "kind": "remove",
        "reason": "Ingen bruger den",
        "decision_maker": "Direktionen",
        "decided_on": TODAY.isoformat(),
        "review_on": "",
        "minutes_after": "",
    }
    data.update(overrides)
    return data


def test_a_leader_removes_a_candidate_which_retires_it(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    target = instrument(org.nord, title="Dyr", minutes=90)
    client = client_for(leader)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("styring:review_decide", args=[target.pk]))
    assert "High time cost: 90 minutes per employee per month" in page.content.decode()
    response = client.post(reverse("styring:review_decide", args=[target.pk]), review_form())
    assert response.status_code == 302
    assert response["Location"] == reverse("styring:review")
    target.refresh_from_db()
    decision = Decision.objects.get()
    assert (decision.source, decision.kind, decision.minutes_after) == ("review", "remove", 0)
    assert target.status == Instrument.Status.RETIRED
    org.solsikken.refresh_from_db()
    assert governance_for_units([org.solsikken])[org.solsikken.pk] == []
    assert reasons(leader) == {}


def test_a_review_decision_to_keep_needs_a_next_review(
    client_for, leader: User, org: SimpleNamespace
) -> None:
    target = instrument(org.nord, title="Dyr", minutes=90)
    client = client_for(leader)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("styring:review_decide", args=[target.pk]), review_form(kind="keep")
    )
    assert response.status_code == 200
    assert "Set the date of the next review." in response.content.decode()
    assert Decision.objects.count() == 0


def test_a_review_decision_cannot_tighten(client_for, leader: User, org: SimpleNamespace) -> None:
    target = instrument(org.nord, title="Dyr", minutes=90)
    response = client_for(leader).post(
        reverse("styring:review_decide", args=[target.pk]),
        review_form(kind="tighten", minutes_after="100"),
    )
    assert response.status_code == 200
    assert Decision.objects.count() == 0


@pytest.mark.parametrize("persona", ["politician", "other_leader", "employee"])
def test_who_may_not_decide_on_an_instrument_gets_403_on_its_review(
    client_for, org: SimpleNamespace, persona: str, request: pytest.FixtureRequest
) -> None:
    target = instrument(org.nord, title="Dyr", minutes=90)
    client = client_for(request.getfixturevalue(persona))
    url = reverse("styring:review_decide", args=[target.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, review_form()).status_code == 403
    assert Decision.objects.count() == 0
