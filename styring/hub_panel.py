"""The governance panel on a core task's hub page (/kerneopgaver/<id>/): the instruments in
force that this core task justifies, each with its kind and time cost, and what they cost in
total. The hub page is public; governance is internal, so anonymous visitors do not get it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from kerneopgaver.panels import Panel, hub_panels
from organisation import access
from organisation.models import OrgUnit, subtree_q
from styring.models import Instrument
from styring.queries import employees_by_unit, governance_for_units, instruments_with_rules


@dataclass(frozen=True)
class CoreTaskGovernance:
    instruments: list[Instrument]
    minutes_per_month: int  # per employee per month if every instrument applied to them
    hours_per_year: float  # over the employees concerned, after decisions
    employees: int


def core_task_governance(core_task: Any) -> CoreTaskGovernance:
    """In a fixed number of queries, whatever the number of units."""
    instruments = instruments_with_rules(
        Instrument.objects.in_force().filter(justifications__core_task=core_task).distinct()
    )
    paths = {path for instrument in instruments for path in instrument.applies_paths}
    units = list(OrgUnit.objects.active().filter(subtree_q(paths))) if paths else []
    employees = employees_by_unit()
    minutes = 0
    concerned = 0
    for unit_id, applied in governance_for_units(units, instruments).items():
        people = employees.get(unit_id, 0)
        minutes += sum(entry.minutes for entry in applied) * people
        if applied:
            concerned += people
    return CoreTaskGovernance(
        instruments=instruments,
        minutes_per_month=sum(instrument.minutes_per_month for instrument in instruments),
        hours_per_year=minutes * 12 / 60,
        employees=concerned,
    )


def core_task_governance_panel(request: HttpRequest, core_task: Any) -> dict[str, Any] | None:
    if not access.can_browse_governance(request.user):
        return None
    return {"governance": core_task_governance(core_task)}


hub_panels.register(
    Panel(
        "governance",
        "styring/panels/core_task_governance.html",
        core_task_governance_panel,
        order=40,
    )
)
