"""Read models that span models: the front page, the overview, and the hub page's panels.

Every read is filtered by `organisation.access`; nothing here decides a permission itself.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from kerneopgaver.indicators import indicators_with_status
from kerneopgaver.models import (
    Contribution,
    CoreTask,
    CoreTaskChange,
    DialogueInput,
    EffectIndicator,
    IndicatorValue,
    Vision,
)
from organisation import access
from organisation.access import AnyUser
from organisation.models import OrgUnit

Status = CoreTask.Status


def visible_core_tasks(user: AnyUser) -> QuerySet[CoreTask]:
    return CoreTask.objects.filter(access.core_task_filter(user))


# --- Front page -----------------------------------------------------------------------------


@dataclass
class FrontPage:
    vision: Vision | None
    core_tasks: list[CoreTask]


def front_page() -> FrontPage:
    """What everyone sees, signed in or not: the vision in force and the adopted core tasks."""
    return FrontPage(
        vision=Vision.objects.current(),
        core_tasks=list(CoreTask.objects.adopted().order_by("title")),
    )


# --- Overview -------------------------------------------------------------------------------


@dataclass
class IndicatorGlance:
    """How a core task's indicators stand: a count per status, in the statuses' fixed order."""

    counts: list[tuple[str, str, int]]  # (status, label, count), only statuses with a count
    total: int


@dataclass
class OverviewRow:
    core_task: CoreTask
    indicators: IndicatorGlance
    summaries: list[Any] = field(default_factory=list)


def overview_filter_choices(user: AnyUser) -> tuple[list[str], list[str]]:
    """The statuses and political owners present among the tasks the user may see."""
    tasks = visible_core_tasks(user).order_by()
    statuses = sorted(set(tasks.values_list("status", flat=True)))
    owners = sorted(
        set(tasks.exclude(political_owner="").values_list("political_owner", flat=True))
    )
    return statuses, owners


def overview(
    user: AnyUser, *, q: str = "", status: str = "", political_owner: str = ""
) -> list[OverviewRow]:
    """The core tasks the user may see, filtered, each with its indicators at a glance.

    Two queries for the tasks and the indicator layer's fixed number, however many tasks.
    """
    tasks = visible_core_tasks(user)
    if status:
        tasks = tasks.filter(status=status)
    if political_owner:
        tasks = tasks.filter(political_owner=political_owner)
    for word in q.split():
        tasks = tasks.filter(
            Q(title__icontains=word)
            | Q(purpose__icontains=word)
            | Q(desired_effect__icontains=word)
        )
    tasks = list(tasks.select_related("administrative_owner").order_by("title"))
    summaries = indicators_with_status([task.pk for task in tasks])
    rows = []
    for task in tasks:
        task_summaries = summaries.get(task.pk, [])
        counted = Counter(str(summary.status) for summary in task_summaries)
        counts = [
            (value, label, counted[value])
            for value, label in EffectIndicator.Status.choices
            if counted[value]
        ]
        rows.append(OverviewRow(task, IndicatorGlance(counts, len(task_summaries)), task_summaries))
    return rows


# --- Hub page panels ------------------------------------------------------------------------


def dependencies(user: AnyUser, core_task: CoreTask) -> tuple[list[CoreTask], list[CoreTask]]:
    """The visible core tasks this one depends on, and those that depend on it."""
    rule = access.core_task_filter(user)
    return (
        list(core_task.depends_on.filter(rule).order_by("title", "pk")),
        list(core_task.dependents.filter(rule).order_by("title", "pk")),
    )


@dataclass
class ContributionRow:
    contribution: Contribution
    can_edit: bool


def contributions(user: AnyUser, core_task: CoreTask) -> list[ContributionRow]:
    rows = Contribution.objects.filter(core_task=core_task).select_related("unit", "updated_by")
    return [
        ContributionRow(row, access.can_edit_contribution(user, core_task, row.unit))
        for row in rows
    ]


def units_user_may_add(user: AnyUser, core_task: CoreTask) -> QuerySet[OrgUnit]:
    """Active units not yet contributing that the user may add: any unit for HR and the task's
    owner, the subtrees they lead for a leader."""
    if access.can_edit_core_task(user, core_task):
        units = OrgUnit.objects.active()
    else:
        units = access.units_led_by(user).filter(active=True)
    return units.exclude(core_task_contributions__core_task=core_task).order_by("path")


def unit_contributions(user: AnyUser, unit: OrgUnit) -> list[Contribution]:
    """The contributions of a unit to the core tasks the user may see."""
    return list(
        Contribution.objects.filter(unit=unit)
        .filter(core_task__in=visible_core_tasks(user))
        .select_related("core_task")
        .order_by("core_task__title")
    )


@dataclass
class FieldChange:
    label: str
    before: Any
    after: Any


@dataclass
class HistoryEntry:
    change: CoreTaskChange
    fields: list[FieldChange]
    inputs: list[Any]


# Models whose fields a history row may name, in the order a name is looked up.
_HISTORY_MODELS = (CoreTask, Contribution, EffectIndicator, IndicatorValue, DialogueInput)


def _model_field(name: str) -> Any:
    for model in _HISTORY_MODELS:
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None  # a field since removed: show its name rather than fail


def _field_label(name: str) -> str:
    field = _model_field(name)
    return str(field.verbose_name) if field is not None else name


def _display(name: str, value: Any) -> Any:
    """A stored history value as people read it; dates stay dates so they are localised."""
    if value is None or value == "" or value == []:
        return "–"
    field = _model_field(name)
    if field is not None and field.choices and isinstance(value, str):
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(field, models.DateField) and isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def history(user: AnyUser, core_task: CoreTask, *, limit: int = 100) -> list[HistoryEntry]:
    """The latest changes, newest first, with readable field diffs and the inputs taken in
    (those inputs the user may read)."""
    readable_inputs = DialogueInput.objects.filter(access.dialogue_inputs_filter(user))
    changes = (
        CoreTaskChange.objects.filter(core_task=core_task)
        .select_related("author")
        .prefetch_related(Prefetch("inputs", queryset=readable_inputs.select_related("author")))[
            :limit
        ]
    )
    return [
        HistoryEntry(
            change=change,
            fields=[
                FieldChange(
                    _field_label(name),
                    _display(name, diff.get("from")),
                    _display(name, diff.get("to")),
                )
                for name, diff in (change.changes or {}).items()
                if isinstance(diff, dict)
            ],
            inputs=list(change.inputs.all()),
        )
        for change in changes
    ]
