"""Writes on effect indicators: create, edit, values entered by hand and imported from CSV.

Every change writes a CoreTaskChange row (kind "indicator") with its author in the same
transaction, so a core task's history shows how it is followed up, not only how it is defined.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kerneopgaver.indicators import ValueRow, future_period_message
from kerneopgaver.models import CoreTask, CoreTaskChange, EffectIndicator, IndicatorValue
from organisation.models import User

__all__ = [
    "INDICATOR_FIELDS",
    "ValuesImportResult",
    "indicator_create",
    "indicator_update",
    "indicator_value_set",
    "indicator_values_import",
]

# The fields a person edits; everything else (core task, created) is set by the system.
INDICATOR_FIELDS = (
    "name",
    "description",
    "kind",
    "measure_type",
    "unit",
    "data_source",
    "unit_label",
    "baseline_value",
    "baseline_period",
    "direction",
    "target_value",
    "target_date",
)

ADDED = "added"
UPDATED = "updated"
UNCHANGED = "unchanged"


def _shown(value: Any) -> str | None:
    """A field value as the history stores it (JSON): text, or None for empty."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return str(value.normalize()) if value != value.to_integral_value() else str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _check_period(period: date) -> None:
    message = future_period_message(period)
    if message:
        raise ValueError(message)


def _record(
    indicator: EffectIndicator, author: User, summary: str, changes: dict[str, Any]
) -> CoreTaskChange:
    return CoreTaskChange.objects.create(
        core_task_id=indicator.core_task_id,
        author=author,
        kind=CoreTaskChange.Kind.INDICATOR,
        summary=summary[:300],
        changes=changes,
    )


def _normalised(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Only the editable fields; a population indicator has no measure type or measured unit
    (the database refuses a measure type on it)."""
    values = {name: fields[name] for name in INDICATOR_FIELDS if name in fields}
    if values.get("kind") == EffectIndicator.Kind.POPULATION:
        values["measure_type"] = ""
        values["unit"] = None
    return values


def indicator_create(
    *, core_task: CoreTask, author: User, fields: Mapping[str, Any]
) -> EffectIndicator:
    """Add an indicator to a core task."""
    with transaction.atomic():
        indicator = EffectIndicator.objects.create(core_task=core_task, **_normalised(fields))
        _record(
            indicator,
            author,
            _("Indicator “%(name)s” added.") % {"name": indicator.name},
            {
                name: {"from": None, "to": _shown(getattr(indicator, name))}
                for name in INDICATOR_FIELDS
                if _shown(getattr(indicator, name)) is not None
            },
        )
    return indicator


def indicator_update(
    *, indicator: EffectIndicator, author: User, fields: Mapping[str, Any]
) -> dict[str, dict[str, str | None]]:
    """Change an indicator's definition; returns field → {from, to} for what changed (nothing is
    recorded when nothing changed)."""
    values = _normalised(fields)
    with transaction.atomic():
        current = EffectIndicator.objects.select_for_update().get(pk=indicator.pk)
        changes = {
            name: {"from": _shown(getattr(current, name)), "to": _shown(value)}
            for name, value in values.items()
            if _shown(getattr(current, name)) != _shown(value)
        }
        if not changes:
            return {}
        for name in changes:
            setattr(indicator, name, values[name])
        indicator.save(update_fields=list(changes))
        _record(
            indicator,
            author,
            _("Indicator “%(name)s” changed.") % {"name": indicator.name},
            changes,
        )
    return changes


def indicator_value_set(
    *, indicator: EffectIndicator, author: User, period: date, value: Decimal, story: str
) -> str:
    """Enter the value for one period: "added", "updated" when the period had a value (it is
    replaced), or "unchanged". A period that has not ended yet is refused (ValueError)."""
    _check_period(period)
    with transaction.atomic():
        existing = (
            IndicatorValue.objects.select_for_update()
            .filter(indicator=indicator, period=period)
            .first()
        )
        if existing is None:
            IndicatorValue.objects.create(
                indicator=indicator, period=period, value=value, story=story, entered_by=author
            )
            outcome = ADDED
            summary = _("Value for %(period)s added to “%(name)s”.")
        elif existing.value == value and existing.story == story:
            return UNCHANGED
        else:
            change = {"from": _shown(existing.value), "to": _shown(value)}
            existing.value, existing.story, existing.entered_by = value, story, author
            existing.save(update_fields=["value", "story", "entered_by", "entered_at"])
            outcome = UPDATED
            summary = _("Value for %(period)s in “%(name)s” updated.")
        _record(
            indicator,
            author,
            summary % {"period": period.isoformat(), "name": indicator.name},
            {
                "values": {
                    outcome: [period.isoformat()],
                    **({"value": change} if outcome == UPDATED else {}),
                }
            },
        )
    return outcome


@dataclass
class ValuesImportResult:
    """What an import did, period by period."""

    added: list[date] = field(default_factory=list)
    updated: list[date] = field(default_factory=list)
    unchanged: list[date] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.updated)


def indicator_values_import(
    *, indicator: EffectIndicator, author: User, rows: Sequence[ValueRow], with_story: bool
) -> ValuesImportResult:
    """Apply validated rows (see `indicators.parse_values_csv`) all or nothing.

    A period in the file replaces that period's value; periods not in the file are left alone,
    so re-importing the same file changes nothing. Without a story column the stories already
    written are kept.
    """
    for row in rows:
        _check_period(row.period)
    result = ValuesImportResult()
    with transaction.atomic():
        existing = {
            value.period: value
            for value in IndicatorValue.objects.select_for_update().filter(
                indicator=indicator, period__in=[row.period for row in rows]
            )
        }
        new_values = []
        for row in rows:
            current = existing.get(row.period)
            story = row.story if with_story else (current.story if current else "")
            if current is None:
                new_values.append(
                    IndicatorValue(
                        indicator=indicator,
                        period=row.period,
                        value=row.value,
                        story=story,
                        entered_by=author,
                    )
                )
                result.added.append(row.period)
            elif current.value == row.value and current.story == story:
                result.unchanged.append(row.period)
            else:
                current.value, current.story, current.entered_by = row.value, story, author
                current.save(update_fields=["value", "story", "entered_by", "entered_at"])
                result.updated.append(row.period)
        IndicatorValue.objects.bulk_create(new_values)
        if result.changed_anything:
            _record(
                indicator,
                author,
                _("Values imported into “%(name)s”: %(added)s added, %(updated)s updated.")
                % {
                    "name": indicator.name,
                    "added": len(result.added),
                    "updated": len(result.updated),
                },
                {
                    "values": {
                        ADDED: [period.isoformat() for period in result.added],
                        UPDATED: [period.isoformat() for period in result.updated],
                    }
                },
            )
    return result
