"""Governance instruments: the services that create, change, move, justify and retire them."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kerneopgaver.models import CoreTask
from organisation.models import User
from styring.models import Instrument, Justification
from styring.services.instruments import (
    instrument_create,
    instrument_move,
    instrument_retire,
    instrument_update,
    justification_add,
    justification_remove,
)

pytestmark = pytest.mark.django_db

Status = Instrument.Status
Origin = Instrument.Origin


def core_task(title: str = "Trygge børn", status: str = CoreTask.Status.ADOPTED) -> CoreTask:
    adoption = {}
    if status == CoreTask.Status.ADOPTED:
        adoption = {"adopted_on": timezone.localdate(), "council_decision": "BR 1/2025"}
    return CoreTask.objects.create(
        title=title, purpose="Formål", desired_effect="Effekt", status=status, **adoption
    )


def make_instrument(owner_unit: Any, *, status: str = Status.PROPOSED, **fields: Any) -> Instrument:
    values = {
        "title": "Dokumentation af trivsel",
        "kind": Instrument.Kind.DOCUMENTATION,
        "origin": Origin.ADMINISTRATION,
        "minutes_per_month": 20,
        **fields,
    }
    instrument = Instrument.objects.create(owner_unit=owner_unit, status=status, **values)
    instrument.applies_to.add(owner_unit)
    return instrument


def definition(org: SimpleNamespace, **changes: Any) -> dict[str, Any]:
    return {
        "title": "Ugentlig trivselsregistrering",
        "description": "Registrér hvert barns trivsel.",
        "kind": Instrument.Kind.DOCUMENTATION,
        "origin": Origin.COUNCIL,
        "legal_basis": "",
        "mandatory": False,
        "owner_unit": org.nord,
        "owner": None,
        "minutes_per_month": 30,
        "review_on": None,
        **changes,
    }


def messages_of(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


# --- Creating and editing -------------------------------------------------------------------


def test_a_new_instrument_starts_as_proposed_with_its_units(org, leader: User) -> None:
    instrument = instrument_create(
        author=leader,
        data=definition(org, status=Status.ACTIVE),
        applies_to=[org.solsikken, org.maelkeboetten],
    )
    instrument.refresh_from_db()
    assert instrument.status == Status.PROPOSED
    assert instrument.created_by == leader
    assert set(instrument.applies_to.all()) == {org.solsikken, org.maelkeboetten}


def test_creating_without_units_or_title_is_refused_in_danish_and_saves_nothing(
    org, leader: User
) -> None:
    with translation.override("da"), pytest.raises(ValidationError) as error:
        instrument_create(author=leader, data=definition(org, title="  "), applies_to=[])
    assert set(error.value.message_dict) == {"title", "applies_to"}
    assert error.value.message_dict["title"] == ["Dette felt kan ikke være tomt."]
    assert Instrument.objects.count() == 0


def test_a_time_cost_beyond_a_working_month_is_refused(org, leader: User) -> None:
    with pytest.raises(ValidationError) as error:
        instrument_create(
            author=leader, data=definition(org, minutes_per_month=20000), applies_to=[org.nord]
        )
    assert "minutes_per_month" in error.value.message_dict
    assert Instrument.objects.count() == 0


def test_editing_changes_the_definition_and_the_units(org, leader: User) -> None:
    instrument = make_instrument(org.nord)
    instrument_update(
        instrument=instrument,
        author=leader,
        data=definition(org, title="Ny titel", minutes_per_month=5),
        applies_to=[org.solsikken],
    )
    instrument.refresh_from_db()
    assert (instrument.title, instrument.minutes_per_month) == ("Ny titel", 5)
    assert list(instrument.applies_to.all()) == [org.solsikken]


def test_a_bad_edit_changes_neither_the_fields_nor_the_units(org, leader: User) -> None:
    instrument = make_instrument(org.nord)
    with pytest.raises(ValidationError):
        instrument_update(
            instrument=instrument,
            author=leader,
            data=definition(org, title="Ny titel"),
            applies_to=[],
        )
    instrument.refresh_from_db()
    assert instrument.title == "Dokumentation af trivsel"
    assert list(instrument.applies_to.all()) == [org.nord]


def test_an_unjustified_legal_duty_in_force_cannot_lose_its_legal_basis(org, hr: User) -> None:
    instrument = make_instrument(
        org.nord,
        status=Status.ACTIVE,
        origin=Origin.LAW,
        mandatory=True,
        legal_basis="Dagtilbudsloven § 8",
    )
    with pytest.raises(ValidationError):
        instrument_update(
            instrument=instrument,
            author=hr,
            data=definition(org, origin=Origin.LAW, mandatory=True, legal_basis=""),
            applies_to=[org.nord],
        )
    instrument.refresh_from_db()
    assert instrument.legal_basis == "Dagtilbudsloven § 8"


def test_a_retired_instrument_cannot_be_edited(org, hr: User) -> None:
    instrument = make_instrument(org.nord, status=Status.RETIRED)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        instrument_update(
            instrument=instrument, author=hr, data=definition(org), applies_to=[org.nord]
        )
    assert "retired" in messages_of(error)


# --- Activation rules -----------------------------------------------------------------------


def test_an_unjustified_instrument_cannot_be_activated(org, leader: User) -> None:
    instrument = make_instrument(org.nord)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        instrument_move(instrument=instrument, to=Status.ACTIVE, author=leader)
    assert "justified" in messages_of(error)
    instrument.refresh_from_db()
    assert instrument.status == Status.PROPOSED


def test_a_justified_instrument_can_be_activated(org, leader: User) -> None:
    instrument = make_instrument(org.nord)
    justification_add(instrument=instrument, core_task=core_task(), how="Ser barnet", author=leader)
    instrument_move(instrument=instrument, to=Status.ACTIVE, author=leader)
    instrument.refresh_from_db()
    assert instrument.status == Status.ACTIVE


def test_a_mandatory_legal_duty_with_a_reference_may_be_active_unjustified(org, hr: User) -> None:
    instrument = make_instrument(
        org.nord, origin=Origin.EXECUTIVE_ORDER, mandatory=True, legal_basis="BEK nr. 1 § 2"
    )
    instrument_move(instrument=instrument, to=Status.ACTIVE, author=hr)
    instrument.refresh_from_db()
    assert instrument.status == Status.ACTIVE


def test_a_legal_duty_without_a_reference_may_not_be_active_unjustified(org, hr: User) -> None:
    instrument = make_instrument(org.nord, origin=Origin.LAW, mandatory=True, legal_basis=" ")
    with pytest.raises(ValidationError):
        instrument_move(instrument=instrument, to=Status.ACTIVE, author=hr)
    assert Instrument.objects.get().status == Status.PROPOSED


def test_a_law_that_is_not_mandatory_may_not_be_active_unjustified(org, hr: User) -> None:
    instrument = make_instrument(
        org.nord, origin=Origin.LAW, mandatory=False, legal_basis="Serviceloven § 83"
    )
    with pytest.raises(ValidationError):
        instrument_move(instrument=instrument, to=Status.ACTIVE, author=hr)
    assert Instrument.objects.get().status == Status.PROPOSED


def test_a_mandatory_council_decision_is_no_legal_duty(org, hr: User) -> None:
    instrument = make_instrument(
        org.nord, origin=Origin.COUNCIL, mandatory=True, legal_basis="BR 12/2025"
    )
    with pytest.raises(ValidationError):
        instrument_move(instrument=instrument, to=Status.ACTIVE, author=hr)


# --- The status workflow --------------------------------------------------------------------


def test_an_active_instrument_goes_under_review_and_back(org, leader: User) -> None:
    instrument = make_instrument(org.nord)
    justification_add(instrument=instrument, core_task=core_task(), how="Ser barnet", author=leader)
    for to in (Status.ACTIVE, Status.UNDER_REVIEW, Status.ACTIVE):
        instrument = instrument_move(instrument=instrument, to=to, author=leader)
    assert Instrument.objects.get().status == Status.ACTIVE


def test_an_unjustified_instrument_under_review_may_be_retired_but_not_activated(
    org, leader: User
) -> None:
    instrument = make_instrument(org.nord, status=Status.UNDER_REVIEW)
    with pytest.raises(ValidationError):
        instrument_move(instrument=instrument, to=Status.ACTIVE, author=leader)
    instrument_move(instrument=instrument, to=Status.RETIRED, author=leader)
    assert Instrument.objects.get().status == Status.RETIRED


def test_an_unjustified_active_instrument_may_be_taken_under_review(org, leader: User) -> None:
    instrument = make_instrument(org.nord, status=Status.ACTIVE)
    instrument_move(instrument=instrument, to=Status.UNDER_REVIEW, author=leader)
    assert Instrument.objects.get().status == Status.UNDER_REVIEW


def test_a_retired_instrument_stays_retired(org, leader: User) -> None:
    instrument = make_instrument(org.nord, status=Status.RETIRED)
    for to in (Status.PROPOSED, Status.ACTIVE, Status.UNDER_REVIEW):
        with translation.override("en"), pytest.raises(ValidationError) as error:
            instrument_move(instrument=instrument, to=to, author=leader)
        assert "cannot become" in messages_of(error)
    assert Instrument.objects.get().status == Status.RETIRED


def test_a_proposed_instrument_cannot_go_under_review(org, leader: User) -> None:
    instrument = make_instrument(org.nord)
    with pytest.raises(ValidationError):
        instrument_move(instrument=instrument, to=Status.UNDER_REVIEW, author=leader)
    assert Instrument.objects.get().status == Status.PROPOSED


def test_an_unknown_status_is_refused(org, leader: User) -> None:
    instrument = make_instrument(org.nord)
    with pytest.raises(ValidationError):
        instrument_move(instrument=instrument, to="deleted", author=leader)
    assert Instrument.objects.get().status == Status.PROPOSED


def test_retiring_twice_changes_nothing_the_second_time(org, hr: User) -> None:
    instrument = make_instrument(org.nord, status=Status.ACTIVE)
    instrument_retire(instrument=instrument, author=hr)
    first = Instrument.objects.get().updated_at
    again = instrument_retire(instrument=instrument, author=hr)
    assert again.status == Status.RETIRED
    assert Instrument.objects.get().updated_at == first


# --- Justifications -------------------------------------------------------------------------


def test_a_justification_says_how_and_who(org, leader: User) -> None:
    instrument = make_instrument(org.nord)
    justification = justification_add(
        instrument=instrument, core_task=core_task(), how="  Ser barnet  ", author=leader
    )
    assert (justification.how, justification.created_by) == ("Ser barnet", leader)


def test_the_same_core_task_cannot_justify_an_instrument_twice(org, leader: User) -> None:
    instrument = make_instrument(org.nord)
    task = core_task()
    justification_add(instrument=instrument, core_task=task, how="Ser barnet", author=leader)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        justification_add(instrument=instrument, core_task=task, how="Igen", author=leader)
    assert "already justified" in " ".join(error.value.message_dict["core_task"])
    assert Justification.objects.count() == 1


def test_a_justification_needs_to_say_how(org, leader: User) -> None:
    instrument = make_instrument(org.nord)
    with pytest.raises(ValidationError) as error:
        justification_add(instrument=instrument, core_task=core_task(), how=" ", author=leader)
    assert "how" in error.value.message_dict
    assert not Justification.objects.exists()


def test_a_draft_core_task_cannot_justify_an_instrument(org, hr: User) -> None:
    instrument = make_instrument(org.nord)
    draft = core_task(status=CoreTask.Status.DRAFT)
    with pytest.raises(ValidationError) as error:
        justification_add(instrument=instrument, core_task=draft, how="Ser barnet", author=hr)
    assert "core_task" in error.value.message_dict


def test_the_last_justification_of_an_active_instrument_cannot_be_removed(
    org, leader: User
) -> None:
    instrument = make_instrument(org.nord)
    justification = justification_add(
        instrument=instrument, core_task=core_task(), how="Ser barnet", author=leader
    )
    instrument_move(instrument=instrument, to=Status.ACTIVE, author=leader)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        justification_remove(justification=justification, author=leader)
    assert "last justification" in messages_of(error)
    assert Justification.objects.filter(pk=justification.pk).exists()


def test_one_of_two_justifications_of_an_active_instrument_can_be_removed(
    org, leader: User
) -> None:
    instrument = make_instrument(org.nord)
    first = justification_add(instrument=instrument, core_task=core_task(), how="A", author=leader)
    justification_add(
        instrument=instrument, core_task=core_task("Sund aldring"), how="B", author=leader
    )
    instrument_move(instrument=instrument, to=Status.ACTIVE, author=leader)
    justification_remove(justification=first, author=leader)
    assert list(instrument.justifications.values_list("how", flat=True)) == ["B"]


def test_the_last_justification_of_an_instrument_under_review_cannot_be_removed(
    org, leader: User
) -> None:
    instrument = make_instrument(org.nord, status=Status.UNDER_REVIEW)
    justification = Justification.objects.create(
        instrument=instrument, core_task=core_task(), how="A"
    )
    with pytest.raises(ValidationError):
        justification_remove(justification=justification, author=leader)
    assert Justification.objects.exists()


def test_a_legal_duty_with_a_reference_may_lose_its_last_justification(org, hr: User) -> None:
    instrument = make_instrument(
        org.nord,
        status=Status.ACTIVE,
        origin=Origin.LAW,
        mandatory=True,
        legal_basis="Dagtilbudsloven § 8",
    )
    justification = Justification.objects.create(
        instrument=instrument, core_task=core_task(), how="A"
    )
    justification_remove(justification=justification, author=hr)
    assert not Justification.objects.exists()


def test_the_last_justification_of_a_proposed_instrument_can_be_removed(org, leader: User) -> None:
    instrument = make_instrument(org.nord)
    justification = justification_add(
        instrument=instrument, core_task=core_task(), how="A", author=leader
    )
    justification_remove(justification=justification, author=leader)
    assert not Justification.objects.exists()


def test_a_retired_instrument_gets_no_new_justification(org, hr: User) -> None:
    instrument = make_instrument(org.nord, status=Status.RETIRED)
    with pytest.raises(ValidationError):
        justification_add(instrument=instrument, core_task=core_task(), how="A", author=hr)
    assert not Justification.objects.exists()


def test_the_review_date_is_kept(org, leader: User) -> None:
    review_on = timezone.localdate().replace(day=1)
    instrument = instrument_create(
        author=leader, data=definition(org, review_on=review_on), applies_to=[org.nord]
    )
    assert Instrument.objects.get(pk=instrument.pk).review_on == review_on
