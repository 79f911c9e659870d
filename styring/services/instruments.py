"""Writes for instruments and their justifications.

Every write runs in one transaction; a refused action raises `ValidationError` with a Danish
message (through gettext) that the view shows next to the field or as a message. The two rules
below are the app's invariants and are read by every writer (forms, the CSV import, the demo).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kerneopgaver.models import CoreTask
from organisation import audit
from organisation.models import OrgUnit, User
from styring.models import Instrument, Justification

Status = Instrument.Status

# The status workflow: which moves each status allows. Retired is final.
ALLOWED_MOVES: dict[str, tuple[str, ...]] = {
    Status.PROPOSED: (Status.ACTIVE, Status.RETIRED),
    Status.ACTIVE: (Status.UNDER_REVIEW, Status.RETIRED),
    Status.UNDER_REVIEW: (Status.ACTIVE, Status.RETIRED),
    Status.RETIRED: (),
}


def check_move(instrument: Instrument, to: str) -> None:
    """Refuse a status move the workflow does not allow."""
    if to not in ALLOWED_MOVES.get(instrument.status, ()):
        raise ValidationError(
            _("An instrument that is “%(from)s” cannot become “%(to)s”.")
            % {"from": Status(instrument.status).label, "to": Status(to).label}
        )


def check_activation(instrument: Instrument, *, justified: bool) -> None:
    """An instrument may be active (or under review, which is in force too) only with at least
    one justification against a core task, unless it is a legal duty with a reference."""
    if justified or instrument.is_legal_duty_with_reference:
        return
    raise ValidationError(
        _(
            "An instrument cannot be active until it is justified by a core task: say how it "
            "serves a core task's desired effect. Only a mandatory legal duty with a reference "
            "to its legal basis may be active without."
        )
    )


# --- Writes ---------------------------------------------------------------------------------

# The fields of an instrument's definition that create and edit write (status has its own
# workflow, applies_to is a many-to-many set by the services below).
DEFINITION_FIELDS = (
    "title",
    "description",
    "kind",
    "origin",
    "legal_basis",
    "mandatory",
    "owner_unit",
    "owner",
    "minutes_per_month",
    "review_on",
)
IN_FORCE = (Status.ACTIVE, Status.UNDER_REVIEW)
# Core tasks an instrument may be justified by: those the council adopted or is discussing.
JUSTIFYING_CORE_TASK_STATUSES = (CoreTask.Status.ADOPTED, CoreTask.Status.IN_DIALOGUE)


def _refuse_if_retired(instrument: Instrument) -> None:
    if instrument.status == Status.RETIRED:
        raise ValidationError(_("A retired instrument can no longer be changed."))


def _lock(instrument: Instrument) -> Instrument:
    """The instrument's row, locked for the rest of the transaction, so that two writers that
    check a rule (is it justified? may it move?) and then write cannot both pass the check."""
    return Instrument.objects.select_for_update().get(pk=instrument.pk)


def _write_definition(
    instrument: Instrument, data: Mapping[str, Any], applies_to: Iterable[OrgUnit]
) -> list[OrgUnit]:
    """Copy the definition onto `instrument` and check every field; the caller saves."""
    units = list(applies_to)
    for name in DEFINITION_FIELDS:
        if name in data:
            value = data[name]
            setattr(instrument, name, value.strip() if isinstance(value, str) else value)
    errors: dict[str, list[str]] = {}
    try:
        # applies_to is checked here, not by the model: a new row has no many-to-many yet.
        instrument.full_clean(exclude=["status", "created_by"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if not units:
        errors["applies_to"] = [_("Choose at least one unit the instrument applies to.")]
    if errors:
        raise ValidationError(errors)
    return units


@transaction.atomic
def instrument_create(
    *, author: User, data: Mapping[str, Any], applies_to: Iterable[OrgUnit]
) -> Instrument:
    """A new instrument; it starts as proposed, whatever `data` says about its status."""
    instrument = Instrument(status=Status.PROPOSED, created_by=author)
    units = _write_definition(instrument, data, applies_to)
    instrument.save()
    instrument.applies_to.set(units)
    return instrument


@transaction.atomic
def instrument_update(
    *,
    instrument: Instrument,
    author: User,
    data: Mapping[str, Any],
    applies_to: Iterable[OrgUnit],
) -> Instrument:
    """Change the definition. An instrument in force must still satisfy the activation rule
    afterwards (an unjustified legal duty cannot lose its legal basis), and a retired one stays
    as it was."""
    locked = _lock(instrument)
    _refuse_if_retired(locked)
    units = _write_definition(locked, data, applies_to)
    if locked.status in IN_FORCE:
        check_activation(locked, justified=locked.justifications.exists())
    locked.save(update_fields=[*DEFINITION_FIELDS, "updated_at"])
    locked.applies_to.set(units)
    return locked


@transaction.atomic
def instrument_move(*, instrument: Instrument, to: str, author: User) -> Instrument:
    """Move the status along ALLOWED_MOVES; becoming active needs a justification (or a legal
    duty with a reference). Putting an instrument in force under review needs none: that is how
    an unjustified one is taken up."""
    locked = _lock(instrument)
    if to not in Status.values:
        raise ValidationError(_("Choose one of the statuses offered."))
    check_move(locked, to)
    if to == Status.ACTIVE:
        check_activation(locked, justified=locked.justifications.exists())
    audit.record(
        actor=author,
        action="instrument.moved",
        target=locked,
        details={"from": locked.status, "to": to},
    )
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    return locked


@transaction.atomic
def instrument_retire(*, instrument: Instrument, author: User) -> Instrument:
    """Retire the instrument (a removal decision does); retiring a retired one changes nothing."""
    locked = _lock(instrument)
    if locked.status != Status.RETIRED:
        locked.status = Status.RETIRED
        locked.save(update_fields=["status", "updated_at"])
    return locked


@transaction.atomic
def justification_add(
    *, instrument: Instrument, core_task: CoreTask, how: str, author: User
) -> Justification:
    """Justify the instrument by a core task, saying how it serves the task's desired effect."""
    locked = _lock(instrument)
    _refuse_if_retired(locked)
    errors: dict[str, list[str]] = {}
    if core_task.status not in JUSTIFYING_CORE_TASK_STATUSES:
        errors["core_task"] = [
            _("Only a core task that is adopted or in dialogue can justify an instrument.")
        ]
    elif Justification.objects.filter(instrument=locked, core_task=core_task).exists():
        errors["core_task"] = [_("The instrument is already justified by this core task.")]
    if not how.strip():
        errors["how"] = [_("Say how the instrument serves the core task's desired effect.")]
    if errors:
        raise ValidationError(errors)
    return Justification.objects.create(
        instrument=locked, core_task=core_task, how=how.strip(), created_by=author
    )


@transaction.atomic
def justification_remove(*, justification: Justification, author: User) -> None:
    """Remove a justification, unless the instrument is in force and would be left without one
    (a legal duty with a reference may be)."""
    locked = _lock(justification.instrument)
    _refuse_if_retired(locked)
    others = locked.justifications.exclude(pk=justification.pk).exists()
    if locked.status in IN_FORCE and not others and not locked.is_legal_duty_with_reference:
        raise ValidationError(
            _(
                "The last justification of an instrument in force cannot be removed: it would "
                "be unjustified. Add another justification first, or retire the instrument."
            )
        )
    Justification.objects.filter(pk=justification.pk).delete()
