"""Writes for the vision, core tasks and units' contributions.

Every write runs in one transaction and, for a core task, records a CoreTaskChange row with its
author in that same transaction, so the history can never disagree with the data. A refused
action raises `ValidationError` with a message the view shows next to the field or as a message.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kerneopgaver.models import Contribution, CoreTask, CoreTaskChange, DialogueInput, Vision
from organisation import audit
from organisation.models import OrgUnit, User

__all__ = [
    "ALLOWED_MOVES",
    "EDITABLE_FIELDS",
    "contribution_remove",
    "contribution_save",
    "core_task_create",
    "core_task_move",
    "core_task_update",
    "vision_adopt",
    "vision_create",
    "vision_update",
]

Status = CoreTask.Status

# The status workflow: which moves each status allows. Retired is final.
ALLOWED_MOVES: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.IN_DIALOGUE,),
    Status.IN_DIALOGUE: (Status.DRAFT, Status.ADOPTED),
    Status.ADOPTED: (Status.RETIRED, Status.IN_DIALOGUE),
    Status.RETIRED: (),
}

# The fields of a core task's definition that an edit may change (status has its own workflow).
EDITABLE_FIELDS = (
    "title",
    "purpose",
    "desired_effect",
    "citizen_contribution",
    "partners",
    "political_owner",
    "administrative_owner",
    "depends_on",
    "citizen_consultation",
)
_MANY_TO_MANY = {"depends_on"}


def _check_adoption(adopted_on: datetime.date | None, council_decision: str) -> None:
    """An adoption needs a date that is not in the future and the council's decision."""
    errors: dict[str, list[str]] = {}
    if adopted_on is None:
        errors["adopted_on"] = [_("Give the date of the council's decision.")]
    elif adopted_on > timezone.localdate():
        errors["adopted_on"] = [_("The date of adoption cannot be in the future.")]
    if not council_decision.strip():
        errors["council_decision"] = [_("Give the reference to the council's decision.")]
    if errors:
        raise ValidationError(errors)


# --- Vision ---------------------------------------------------------------------------------


@transaction.atomic
def vision_create(*, author: User, title: str, narrative: str) -> Vision:
    """A new draft version; numbered after the highest version so far."""
    # Lock the highest row so two writers do not take the same number (the unique constraint
    # on version guards the first version too).
    highest = (
        Vision.objects.select_for_update()
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    ) or 0
    return Vision.objects.create(
        version=highest + 1, title=title, narrative=narrative, created_by=author
    )


@transaction.atomic
def vision_update(*, vision: Vision, title: str, narrative: str) -> Vision:
    vision = Vision.objects.select_for_update().get(pk=vision.pk)
    if vision.is_adopted:
        raise ValidationError(_("An adopted vision is never changed. Write a new version instead."))
    vision.title = title
    vision.narrative = narrative
    vision.save(update_fields=["title", "narrative"])
    return vision


@transaction.atomic
def vision_adopt(
    *, vision: Vision, adopted_on: datetime.date | None, council_decision: str
) -> Vision:
    vision = Vision.objects.select_for_update().get(pk=vision.pk)
    if vision.is_adopted:
        raise ValidationError(_("This version has already been adopted."))
    _check_adoption(adopted_on, council_decision)
    vision.adopted_on = adopted_on
    vision.council_decision = council_decision.strip()
    vision.save(update_fields=["adopted_on", "council_decision"])
    audit.record(
        actor=audit.request_actor(),
        action="vision.adopted",
        target=vision,
        details={"council_decision": vision.council_decision},
    )
    return vision


# --- Core tasks -----------------------------------------------------------------------------


def _readable(core_task: CoreTask, field: str) -> Any:
    """A field's value as the history shows it: names rather than ids, so it stays readable
    after the user or task it names is gone."""
    if field in _MANY_TO_MANY:
        return sorted(str(other) for other in getattr(core_task, field).all())
    value = getattr(core_task, field)
    if isinstance(value, User):
        return value.get_full_name()
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _check_definition(core_task: CoreTask, values: Mapping[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if core_task.pk and core_task in values.get("depends_on", ()):
        errors["depends_on"] = [_("A core task cannot depend on itself.")]
    owner = values.get("administrative_owner")
    if owner is not None and not owner.is_active and owner.pk != core_task.administrative_owner_id:
        errors["administrative_owner"] = [_("Choose a person who is still active.")]
    if values.get("citizen_consultation") and core_task.status != Status.IN_DIALOGUE:
        errors["citizen_consultation"] = [
            _("Citizens' consultation can only be open while the core task is in dialogue.")
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def core_task_create(*, author: User, values: Mapping[str, Any]) -> CoreTask:
    """A new core task, as a draft. `values` holds the fields of EDITABLE_FIELDS to set."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    core_task = CoreTask(status=Status.DRAFT)
    _check_definition(core_task, values)
    for field, value in values.items():
        if field not in _MANY_TO_MANY:
            setattr(core_task, field, value)
    core_task.save()
    if "depends_on" in values:
        core_task.depends_on.set(values["depends_on"])
    CoreTaskChange.objects.create(
        core_task=core_task,
        author=author,
        kind=CoreTaskChange.Kind.CREATED,
        summary=core_task.title[:300],
        changes={
            field: {"from": None, "to": _readable(core_task, field)}
            for field in EDITABLE_FIELDS
            if _readable(core_task, field) not in ("", [], False)
        },
    )
    return core_task


@transaction.atomic
def core_task_update(
    *,
    core_task: CoreTask,
    author: User,
    values: Mapping[str, Any],
    inputs: Iterable[DialogueInput] = (),
) -> CoreTaskChange | None:
    """Change a core task's definition and record a field-by-field diff.

    `inputs` are the dialogue inputs (of this task, shown) that the change takes in; they can
    only be named while the task is in dialogue. Returns the history row, or None when nothing
    changed.
    """
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    core_task = CoreTask.objects.select_for_update().get(pk=core_task.pk)
    if core_task.status == Status.RETIRED:
        raise ValidationError(_("A retired core task can no longer be changed."))
    _check_definition(core_task, values)
    inputs = list(inputs)
    if inputs:
        if core_task.status != Status.IN_DIALOGUE:
            raise ValidationError(
                {"inputs": [_("Inputs can only be taken in while the task is in dialogue.")]}
            )
        valid = set(
            core_task.inputs.shown()
            .filter(pk__in=[i.pk for i in inputs])
            .values_list("pk", flat=True)
        )
        if any(i.pk not in valid for i in inputs):
            raise ValidationError({"inputs": [_("Choose among the shown inputs of this task.")]})

    before = {field: _readable(core_task, field) for field in values}
    plain = [field for field in values if field not in _MANY_TO_MANY]
    for field in plain:
        setattr(core_task, field, values[field])
    if plain:
        core_task.save(update_fields=[*plain, "updated_at"])
    for field in _MANY_TO_MANY & set(values):
        getattr(core_task, field).set(values[field])
    after = {field: _readable(core_task, field) for field in values}
    diff = {
        field: {"from": before[field], "to": after[field]}
        for field in values
        if before[field] != after[field]
    }
    if not diff and not inputs:
        return None
    change = CoreTaskChange.objects.create(
        core_task=core_task,
        author=author,
        kind=CoreTaskChange.Kind.EDITED,
        changes=diff,
    )
    if inputs:
        change.inputs.set(inputs)
    return change


@transaction.atomic
def core_task_move(
    *,
    core_task: CoreTask,
    author: User,
    to_status: str,
    adopted_on: datetime.date | None = None,
    council_decision: str = "",
) -> CoreTaskChange:
    """Move a core task along the status workflow (ALLOWED_MOVES); refuse any other move.

    Adoption needs the council's decision and its date (not in the future). Leaving the
    dialogue closes the citizens' consultation.
    """
    core_task = CoreTask.objects.select_for_update().get(pk=core_task.pk)
    from_status = core_task.status
    if to_status not in ALLOWED_MOVES.get(from_status, ()):
        raise ValidationError(
            _("A core task cannot move from “%(from)s” to “%(to)s”.")
            % {
                "from": Status(from_status).label,
                "to": Status(to_status).label if to_status in Status.values else to_status,
            }
        )
    changes: dict[str, dict[str, Any]] = {"status": {"from": from_status, "to": to_status}}
    fields = ["status", "updated_at"]
    if to_status == Status.ADOPTED:
        _check_adoption(adopted_on, council_decision)
        changes["adopted_on"] = {
            "from": _readable(core_task, "adopted_on"),
            "to": adopted_on.isoformat(),
        }
        changes["council_decision"] = {
            "from": core_task.council_decision,
            "to": council_decision.strip(),
        }
        core_task.adopted_on = adopted_on
        core_task.council_decision = council_decision.strip()
        fields += ["adopted_on", "council_decision"]
    if from_status == Status.IN_DIALOGUE and core_task.citizen_consultation:
        changes["citizen_consultation"] = {"from": True, "to": False}
        core_task.citizen_consultation = False
        fields.append("citizen_consultation")
    core_task.status = to_status
    core_task.save(update_fields=fields)
    audit.record(
        actor=author,
        action="core_task.moved",
        target=core_task,
        details={"from": from_status, "to": to_status},
    )
    return CoreTaskChange.objects.create(
        core_task=core_task,
        author=author,
        kind=CoreTaskChange.Kind.STATUS,
        summary=core_task.council_decision if to_status == Status.ADOPTED else "",
        changes=changes,
    )


# --- Contributions --------------------------------------------------------------------------


@transaction.atomic
def contribution_save(
    *, core_task: CoreTask, unit: OrgUnit, author: User, how: str
) -> Contribution:
    """Add a unit as contributing, or change the text on how it contributes."""
    if core_task.status == Status.RETIRED:
        raise ValidationError(_("A retired core task can no longer be changed."))
    if not unit.active:
        raise ValidationError({"unit": [_("Choose an active unit.")]})
    contribution = (
        Contribution.objects.select_for_update().filter(core_task=core_task, unit=unit).first()
    )
    before = contribution.how if contribution else None
    if contribution is None:
        contribution = Contribution.objects.create(
            core_task=core_task, unit=unit, how=how, updated_by=author
        )
    elif before != how:
        contribution.how = how
        contribution.updated_by = author
        contribution.save(update_fields=["how", "updated_by", "updated_at"])
    else:
        return contribution
    CoreTaskChange.objects.create(
        core_task=core_task,
        author=author,
        kind=CoreTaskChange.Kind.CONTRIBUTION,
        summary=unit.name[:300],
        changes={"how": {"from": before, "to": how}},
    )
    return contribution


@transaction.atomic
def contribution_remove(*, core_task: CoreTask, unit: OrgUnit, author: User) -> None:
    contribution = (
        Contribution.objects.select_for_update().filter(core_task=core_task, unit=unit).first()
    )
    if contribution is None:
        return
    if core_task.status == Status.RETIRED:
        raise ValidationError(_("A retired core task can no longer be changed."))
    contribution.delete()
    CoreTaskChange.objects.create(
        core_task=core_task,
        author=author,
        kind=CoreTaskChange.Kind.CONTRIBUTION,
        summary=unit.name[:300],
        changes={"how": {"from": contribution.how, "to": None}},
    )
