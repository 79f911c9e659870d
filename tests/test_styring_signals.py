"""What applies to me (/styring/mig/), to a unit (/styring/enhed/<pk>/), and employees'
anonymous value signals (/styring/<pk>/vaerdi/): the once-a-quarter marker, applicability,
what is stored, and that figures below k are never shown."""

from __future__ import annotations

import datetime
import threading
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation

from kerneopgaver.models import CoreTask
from organisation.models import OrgUnit, User
from styring import periods
from styring.models import (
    Decision,
    Instrument,
    Justification,
    ValueSignal,
    ValueSignalMarker,
)
from styring.panels import instrument_panels
from styring.queries.signals import instrument_summaries, unit_signal_rows
from styring.services.signal_aggregation import aggregate_period
from styring.services.signals import has_given, marker_digest, signal_give
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LAST_QUARTER = periods.previous(periods.current_period())
ANSWERS = {"helps": "yes", "uses": "partly", "duplicate": "no"}


def core_task(title: str = "Børns trivsel og læring") -> CoreTask:
    return CoreTask.objects.create(title=title, purpose="Formål", desired_effect="Effekt")


def instrument(
    title: str,
    *units: OrgUnit,
    minutes: int = 30,
    status: str = Instrument.Status.ACTIVE,
    **fields: object,
) -> Instrument:
    created = Instrument.objects.create(
        title=title,
        kind=fields.pop("kind", Instrument.Kind.DOCUMENTATION),
        origin=fields.pop("origin", Instrument.Origin.ADMINISTRATION),
        owner_unit=units[0],
        minutes_per_month=minutes,
        status=status,
        **fields,
    )
    created.applies_to.set(units)
    return created


def past_signals(on: Instrument, unit: OrgUnit, count: int, **answers: str) -> None:
    ValueSignal.objects.bulk_create(
        ValueSignal(instrument=on, unit=unit, period=LAST_QUARTER, **{**ANSWERS, **answers})
        for _ in range(count)
    )


def english(client):
    client.cookies["django_language"] = "en"
    return client


# --- The service: once a quarter, only where it applies, nothing about the person ------------


def test_a_signal_is_stored_with_instrument_unit_period_and_answers_only(
    org: SimpleNamespace, employee: User
) -> None:
    logs = instrument("Daglig logbog", org.nord)

    signal_give(user=employee, instrument=logs, **ANSWERS)

    stored = ValueSignal.objects.get()
    assert (stored.instrument, stored.unit, stored.period) == (
        logs,
        org.solsikken,
        periods.current_period(),
    )
    assert (stored.helps, stored.uses, stored.duplicate) == ("yes", "partly", "no")
    assert has_given(employee, logs, periods.current_period())


def test_the_signal_row_has_no_field_for_a_person_or_a_time() -> None:
    fields = {field.name for field in ValueSignal._meta.get_fields()}
    assert fields == {"id", "instrument", "unit", "period", "helps", "uses", "duplicate"}
    assert not any(
        isinstance(field, datetime.date | datetime.datetime)
        for field in ValueSignal._meta.get_fields()
    )
    assert ValueSignal._meta.pk.get_internal_type() == "UUIDField"


def test_a_second_answer_in_the_same_quarter_is_refused_and_nothing_is_stored(
    org: SimpleNamespace, employee: User
) -> None:
    logs = instrument("Daglig logbog", org.nord)
    signal_give(user=employee, instrument=logs, **ANSWERS)

    with translation.override("en"), pytest.raises(ValidationError, match="already given"):
        signal_give(user=employee, instrument=logs, helps="no", uses="no", duplicate="yes")

    assert ValueSignal.objects.count() == 1
    assert ValueSignalMarker.objects.count() == 1
    assert ValueSignal.objects.get().helps == "yes"


def test_the_same_person_may_answer_again_in_another_quarter_and_on_another_instrument(
    org: SimpleNamespace, employee: User
) -> None:
    logs = instrument("Daglig logbog", org.nord)
    plans = instrument("Ugeplaner", org.nord)
    signal_give(user=employee, instrument=logs, **ANSWERS)

    signal_give(user=employee, instrument=logs, period=LAST_QUARTER, **ANSWERS)
    signal_give(user=employee, instrument=plans, **ANSWERS)

    assert ValueSignal.objects.count() == 3
    assert sorted(ValueSignal.objects.values_list("period", flat=True)) == sorted(
        [LAST_QUARTER, periods.current_period(), periods.current_period()]
    )


def test_two_colleagues_answer_the_same_instrument(
    org: SimpleNamespace, employee: User, leader: User
) -> None:
    logs = instrument("Daglig logbog", org.nord)
    signal_give(user=employee, instrument=logs, **ANSWERS)
    signal_give(user=leader, instrument=logs, **ANSWERS)
    assert ValueSignal.objects.count() == 2


def test_the_marker_is_a_keyed_hash_without_the_user_in_clear(
    org: SimpleNamespace, employee: User
) -> None:
    logs = instrument("Daglig logbog", org.nord)
    signal_give(user=employee, instrument=logs, **ANSWERS)

    marker = ValueSignalMarker.objects.get()
    assert {field.name for field in ValueSignalMarker._meta.get_fields()} == {
        "id",
        "digest",
        "period",
    }
    assert len(marker.digest) == 64
    assert employee.username not in marker.digest
    plain = f"{employee.pk}:{logs.pk}:{periods.current_period()}"
    assert plain not in marker.digest
    # Keyed: without the server's secret the digest cannot be recomputed from a user id.
    with override_settings(SECRET_KEY="another-secret-key-that-is-long-enough-for-django-1234"):
        assert marker_digest(employee.pk, logs.pk, periods.current_period()) != marker.digest
    assert marker_digest(employee.pk, logs.pk, periods.current_period()) == marker.digest


def test_an_instrument_that_does_not_apply_to_the_workplace_is_refused(
    org: SimpleNamespace, employee: User
) -> None:
    foreign = instrument("Kørselsliste", org.east)

    with translation.override("en"), pytest.raises(ValidationError, match="does not apply"):
        signal_give(user=employee, instrument=foreign, **ANSWERS)

    assert not ValueSignal.objects.exists()
    assert not ValueSignalMarker.objects.exists()


def test_an_instrument_removed_in_the_area_no_longer_applies(
    org: SimpleNamespace, employee: User, leader: User
) -> None:
    everywhere = instrument("Fraværsregistrering", org.root)
    Decision.objects.create(
        instrument=everywhere,
        area=org.nord,
        kind=Decision.Kind.REMOVE,
        reason="Giver ingen værdi i dagtilbud",
        decided_by=leader,
        decision_maker="Områdeleder",
        decided_on=datetime.date(2025, 1, 1),
        minutes_before=30,
        minutes_after=0,
    )

    with translation.override("en"), pytest.raises(ValidationError, match="does not apply"):
        signal_give(user=employee, instrument=everywhere, **ANSWERS)
    assert not ValueSignal.objects.exists()


def test_a_proposed_or_retired_instrument_takes_no_signals(
    org: SimpleNamespace, employee: User
) -> None:
    for status in (Instrument.Status.PROPOSED, Instrument.Status.RETIRED):
        draft = instrument(f"Udkast {status}", org.nord, status=status)
        with pytest.raises(ValidationError):
            signal_give(user=employee, instrument=draft, **ANSWERS)
    assert not ValueSignal.objects.exists()


def test_an_answer_that_is_not_a_choice_is_refused_in_danish(
    org: SimpleNamespace, employee: User
) -> None:
    logs = instrument("Daglig logbog", org.nord)

    with translation.override("da"), pytest.raises(ValidationError) as refused:
        signal_give(user=employee, instrument=logs, helps="maybe", uses="yes", duplicate="no")

    assert set(refused.value.message_dict) == {"helps"}
    assert not ValueSignalMarker.objects.exists()


def test_two_posts_racing_past_the_already_answered_check_store_exactly_one(
    org: SimpleNamespace, employee: User, client_for, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two posts at once both find no marker yet (the page's check runs before either
    commits); the unique marker refuses the later one, and nothing of it is stored."""
    from styring import signal_views

    monkeypatch.setattr(signal_views.services, "has_given", lambda *args: False)
    logs = instrument("Daglig logbog", org.nord)
    client = english(client_for(employee))
    url = reverse("styring:signal", args=[logs.pk])

    first = client.post(url, ANSWERS)
    second = client.post(url, {**ANSWERS, "helps": "no"}, follow=True)

    assert first.status_code == 302
    assert "already given a value signal" in second.content.decode()
    assert ValueSignal.objects.count() == 1
    assert ValueSignal.objects.get().helps == "yes"
    assert ValueSignalMarker.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_simultaneous_answers_store_exactly_one(org: SimpleNamespace, employee: User) -> None:
    """Real threads, each with its own connection; the unique marker lets one through."""
    if connection.vendor != "postgresql":
        # SQLite's in-memory test database is shared between threads with table locks that
        # fail at once instead of waiting; the test above covers the same race on SQLite.
        from tests.conftest import need_service

        need_service("simultaneous answers need PostgreSQL (set DATABASE_URL=postgres://...)")
    logs = instrument("Daglig logbog", org.nord)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []
    lock = threading.Lock()

    def answer() -> None:
        person = User.objects.get(pk=employee.pk)
        try:
            barrier.wait(timeout=10)
            signal_give(user=person, instrument=logs, **ANSWERS)
            outcome = "stored"
        except ValidationError as error:
            outcome = error.code or "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=answer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["already_answered"] * 3 + ["stored"]
    assert ValueSignal.objects.count() == 1


# --- The form ---------------------------------------------------------------------------------


def test_an_employee_sees_the_form_with_three_questions(
    org: SimpleNamespace, employee: User, client_for
) -> None:
    logs = instrument("Daglig logbog", org.nord)
    response = english(client_for(employee)).get(reverse("styring:signal", args=[logs.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Does it help you in your work on the core task?" in page
    assert "Do you use it actively in your daily work?" in page
    assert "Do you register the same thing somewhere else?" in page
    assert page.count("<legend>") == 3
    assert "anonymous" in page


def test_giving_a_signal_thanks_and_says_it_is_anonymous(
    org: SimpleNamespace, employee: User, client_for
) -> None:
    logs = instrument("Daglig logbog", org.nord)
    client = english(client_for(employee))

    response = client.post(reverse("styring:signal", args=[logs.pk]), ANSWERS, follow=True)

    assert response.redirect_chain[-1][0] == reverse("styring:mine")
    page = response.content.decode()
    assert "Thank you for your value signal" in page
    assert "anonymous" in page
    assert "at least 5 answers" in page
    assert ValueSignal.objects.count() == 1


def test_an_unanswered_question_keeps_the_form_and_stores_nothing(
    org: SimpleNamespace, employee: User, client_for
) -> None:
    logs = instrument("Daglig logbog", org.nord)
    response = english(client_for(employee)).post(
        reverse("styring:signal", args=[logs.pk]), {"helps": "yes", "uses": "no"}
    )
    assert response.status_code == 200
    assert "Choose an answer to this question." in response.content.decode()
    assert not ValueSignal.objects.exists()
    assert not ValueSignalMarker.objects.exists()


def test_the_form_says_so_when_already_answered_and_refuses_a_second_post(
    org: SimpleNamespace, employee: User, client_for
) -> None:
    logs = instrument("Daglig logbog", org.nord)
    signal_give(user=employee, instrument=logs, **ANSWERS)
    client = english(client_for(employee))

    page = client.get(reverse("styring:signal", args=[logs.pk]))
    again = client.post(reverse("styring:signal", args=[logs.pk]), ANSWERS, follow=True)

    assert page.status_code == 200
    assert "You have already answered this quarter" in page.content.decode()
    assert '<form method="post" action="/styring/' not in page.content.decode()
    assert "already given a value signal" in again.content.decode()
    assert ValueSignal.objects.count() == 1


def test_the_form_is_refused_where_the_instrument_does_not_apply(
    org: SimpleNamespace, employee: User, other_leader: User, client_for
) -> None:
    foreign = instrument("Kørselsliste", org.east)
    client = client_for(employee)
    assert client.get(reverse("styring:signal", args=[foreign.pk])).status_code == 403
    assert client.post(reverse("styring:signal", args=[foreign.pk]), ANSWERS).status_code == 403
    assert not ValueSignal.objects.exists()
    client_for(other_leader)  # the same instrument applies to Hjemmeplejen Øst
    assert client.get(reverse("styring:signal", args=[foreign.pk])).status_code == 200


def test_someone_without_a_workplace_cannot_give_signals(
    org: SimpleNamespace, politician: User, client_for
) -> None:
    everywhere = instrument("Fraværsregistrering", org.root)
    response = client_for(politician).get(reverse("styring:signal", args=[everywhere.pk]))
    assert response.status_code == 403


def test_the_form_is_refused_where_a_decision_removed_the_instrument(
    org: SimpleNamespace, employee: User, leader: User, client_for
) -> None:
    everywhere = instrument("Fraværsregistrering", org.root)
    Decision.objects.create(
        instrument=everywhere,
        area=org.solsikken,
        kind=Decision.Kind.REMOVE,
        reason="Dobbeltregistrering",
        decided_by=leader,
        decision_maker="Områdeleder",
        decided_on=datetime.date(2025, 1, 1),
        minutes_before=30,
        minutes_after=0,
    )
    url = reverse("styring:signal", args=[everywhere.pk])
    assert client_for(employee).get(url).status_code == 403
    assert client_for(leader).get(url).status_code == 200  # Dagtilbud Nord itself keeps it


def test_signing_in_is_required(org: SimpleNamespace, client) -> None:
    logs = instrument("Daglig logbog", org.nord)
    for url in (
        reverse("styring:mine"),
        reverse("styring:unit", args=[org.solsikken.pk]),
        reverse("styring:signal", args=[logs.pk]),
    ):
        assert client.get(url).status_code == 302


# --- What applies to me and to a unit ---------------------------------------------------------


def test_mine_shows_what_applies_why_and_the_total_time(
    org: SimpleNamespace, employee: User, client_for
) -> None:
    task = core_task()
    logs = instrument("Daglig logbog", org.nord, minutes=30)
    Justification.objects.create(
        instrument=logs, core_task=task, how="Pædagogerne ser barnets udvikling over tid"
    )
    instrument(
        "Tilsynsrapport",
        org.root,
        minutes=15,
        origin=Instrument.Origin.LAW,
        mandatory=True,
        legal_basis="Dagtilbudsloven § 5",
    )
    instrument("Kørselsliste", org.east, minutes=200)

    response = english(client_for(employee)).get(reverse("styring:mine"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Daglig logbog" in page
    assert "Pædagogerne ser barnets udvikling over tid" in page
    assert task.title in page
    assert "Dagtilbudsloven § 5" in page
    assert "Kørselsliste" not in page
    assert '<span class="figure">45</span> minutes per employee per month' in page
    assert '<span class="figure">9.0</span> hours per employee per year' in page
    assert page.count("Give a value signal") == 2


def test_mine_marks_the_instruments_already_answered_this_quarter(
    org: SimpleNamespace, employee: User, client_for
) -> None:
    logs = instrument("Daglig logbog", org.nord)
    instrument("Ugeplaner", org.nord)
    signal_give(user=employee, instrument=logs, **ANSWERS)

    page = english(client_for(employee)).get(reverse("styring:mine")).content.decode()

    assert reverse("styring:signal", args=[logs.pk]) not in page
    assert "You have given a value signal on 1 of 2 instruments this quarter." in page


def test_mine_leaves_out_an_instrument_removed_in_the_area(
    org: SimpleNamespace, employee: User, leader: User, client_for
) -> None:
    everywhere = instrument("Fraværsregistrering", org.root)
    Decision.objects.create(
        instrument=everywhere,
        area=org.nord,
        kind=Decision.Kind.REMOVE,
        reason="Giver ingen værdi",
        decided_by=leader,
        decision_maker="Områdeleder",
        decided_on=datetime.date(2025, 1, 1),
        minutes_before=30,
        minutes_after=0,
    )
    page = english(client_for(employee)).get(reverse("styring:mine")).content.decode()
    assert "Fraværsregistrering" not in page
    assert "No governance instruments in force apply here." in page


def test_mine_explains_kindly_when_the_user_has_no_workplace(
    org: SimpleNamespace, politician: User, client_for
) -> None:
    response = english(client_for(politician)).get(reverse("styring:mine"))
    assert response.status_code == 200
    assert "You are not registered at a workplace" in response.content.decode()


def test_a_leader_picks_units_in_their_subtree_and_an_employee_gets_no_picker(
    org: SimpleNamespace, employee: User, leader: User, client_for
) -> None:
    page = english(client_for(leader)).get(reverse("styring:mine")).content.decode()
    assert reverse("styring:unit", args=[org.solsikken.pk]) in page
    assert reverse("styring:unit", args=[org.maelkeboetten.pk]) in page
    assert reverse("styring:unit", args=[org.group.pk]) not in page

    page = english(client_for(employee)).get(reverse("styring:mine")).content.decode()
    assert "See what applies to a unit" not in page


def test_a_leader_sees_what_applies_to_a_unit_in_their_subtree(
    org: SimpleNamespace, leader: User, client_for
) -> None:
    instrument("Daglig logbog", org.nord, minutes=30)
    UserFactory(username="kollega1", home_unit=org.solsikken)
    UserFactory(username="kollega2", home_unit=org.solsikken)

    response = english(client_for(leader)).get(reverse("styring:unit", args=[org.solsikken.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Daglig logbog" in page
    assert "hours per year for the unit's 2 employees" in page
    assert '<span class="figure">12</span>' in page  # 30 min × 12 months × 2 people / 60


def test_a_unit_outside_ones_subtree_is_not_found(
    org: SimpleNamespace, leader: User, other_leader: User, employee: User, client_for
) -> None:
    url = reverse("styring:unit", args=[org.solsikken.pk])
    assert client_for(other_leader).get(url).status_code == 404
    assert client_for(employee).get(url).status_code == 200
    sibling = reverse("styring:unit", args=[org.maelkeboetten.pk])
    assert client_for(employee).get(sibling).status_code == 404
    assert client_for(employee).get(reverse("styring:unit", args=[99999])).status_code == 404


def test_hr_sees_any_unit(org: SimpleNamespace, hr: User, politician: User, client_for) -> None:
    url = reverse("styring:unit", args=[org.group.pk])
    assert client_for(hr).get(url).status_code == 200
    assert client_for(politician).get(url).status_code == 404


# --- Figures: the panel and the read models ---------------------------------------------------


def render_panel(user: User, on: Instrument) -> str:
    request = RequestFactory().get(reverse("styring:instrument", args=[on.pk]))
    request.user = user
    request.LANGUAGE_CODE = "en"
    with translation.override("en"):
        return "".join(instrument_panels.render(request, on))


def test_the_panel_shows_the_instrument_wide_figure_and_the_readers_units(
    org: SimpleNamespace, leader: User, employee: User
) -> None:
    logs = instrument("Daglig logbog", org.root)
    past_signals(logs, org.solsikken, 6, helps="yes")
    past_signals(logs, org.maelkeboetten, 6, helps="no")
    past_signals(logs, org.group, 8, helps="partly")
    aggregate_period(period=LAST_QUARTER)

    page = render_panel(leader, logs)

    assert f"All employees, {LAST_QUARTER}: 20 answers" in page
    assert "Answers per unit" in page
    assert "Børnehuset Solsikken" in page
    assert "Gruppe 1" not in page  # not the leader's
    assert "groups of fewer than 5 answers are not shown" in page.lower()

    own_only = render_panel(employee, logs)
    assert "Børnehuset Solsikken" in own_only
    assert "Vuggestuen Mælkebøtten" not in own_only


def test_figures_below_k_are_never_shown_in_the_panel_or_the_read_models(
    org: SimpleNamespace, leader: User, hr: User
) -> None:
    logs = instrument("Daglig logbog", org.root)
    past_signals(logs, org.solsikken, 9)
    past_signals(logs, org.maelkeboetten, 2)
    aggregate_period(period=LAST_QUARTER)

    page = render_panel(hr, logs)
    assert "Not shown: fewer than 5 answers" in page
    cells = [line for line in page.splitlines() if '<td class="number">' in line]
    assert not any('<td class="number">2</td>' in line for line in cells)
    # Solsikken's 9 is hidden too: Dagtilbud Nord's 11 minus 9 would give Mælkebøtten's 2.
    assert not any('<td class="number">9</td>' in line for line in cells)

    rows = unit_signal_rows(hr, logs).rows
    shown = {(row.unit.pk, row.cell): row.summary.n for row in rows if not row.hidden}
    assert (org.maelkeboetten.pk, "subtree") not in shown
    assert (org.solsikken.pk, "subtree") not in shown
    assert shown[org.nord.pk, "subtree"] == 11
    assert instrument_summaries([logs.pk])[logs.pk].n == 11


def test_a_small_instrument_total_is_absent_from_the_summaries_and_the_panel(
    org: SimpleNamespace, hr: User
) -> None:
    logs = instrument("Daglig logbog", org.root)
    past_signals(logs, org.solsikken, 3, helps="no")
    aggregate_period(period=LAST_QUARTER)

    assert instrument_summaries([logs.pk]) == {}
    page = render_panel(hr, logs)
    assert "too few employees answered" in page
    assert "All employees," not in page
    assert '<td class="number">3</td>' not in page


def test_the_panel_before_any_quarter_has_ended_says_results_come_later(
    org: SimpleNamespace, employee: User
) -> None:
    logs = instrument("Daglig logbog", org.nord)
    signal_give(user=employee, instrument=logs, **ANSWERS)

    page = render_panel(employee, logs)

    assert "There are no results yet" in page
    assert "You have given your value signal on this instrument this quarter." in page


def test_the_panel_offers_the_form_only_where_the_instrument_applies(
    org: SimpleNamespace, employee: User, other_leader: User
) -> None:
    logs = instrument("Daglig logbog", org.nord)
    signal_url = reverse("styring:signal", args=[logs.pk])
    assert signal_url in render_panel(employee, logs)
    assert signal_url not in render_panel(other_leader, logs)


def test_the_instrument_page_carries_the_panel_without_small_figures(
    org: SimpleNamespace, leader: User, client_for
) -> None:
    logs = instrument("Daglig logbog", org.root)
    past_signals(logs, org.solsikken, 9)
    past_signals(logs, org.maelkeboetten, 2)
    aggregate_period(period=LAST_QUARTER)

    response = english(client_for(leader)).get(reverse("styring:instrument", args=[logs.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="value-signals"' in page
    assert f"All employees, {LAST_QUARTER}: 11 answers" in page
    assert '<td class="number">2</td>' not in page
    assert '<td class="number">9</td>' not in page
