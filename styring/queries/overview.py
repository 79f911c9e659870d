"""The governance overview for politicians, top management and MED: per core task and per area
(the directorates below the municipality), how many instruments are in force, the share that is
justified, what they cost employees, what employees say of their value, and the decisions taken.

What applies where comes from `styring.queries.governance_for_units` over every active unit,
read once; time cost in hours per year is the applied minutes per employee per month times the
employees of each unit where it applies, times 12 / 60. Value signals are the instrument-wide
figures of `styring.queries.signals.instrument_summaries` (only those that passed the
anonymity rules), added up over the instruments of a line: a sum of visible figures reveals
nothing that was hidden. A fixed number of queries, whatever the number of units.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from kerneopgaver.models import CoreTask
from organisation import access
from organisation.access import AnyUser
from organisation.models import OrgUnit
from styring.models import Decision, Instrument, Justification
from styring.queries import employees_by_unit, governance_for_units, instruments_with_rules

Kind = Decision.Kind


@dataclass
class Signals:
    n: int = 0
    helpful: int = 0  # yes + partly
    took_side: int = 0  # yes + partly + no
    instruments: int = 0

    @property
    def helpful_share(self) -> int | None:
        """Percent of the answers that took a side saying it helps (None: no answers)."""
        return round(100 * self.helpful / self.took_side) if self.took_side else None


@dataclass
class Line:
    label: str
    core_task: CoreTask | None = None
    unit: OrgUnit | None = None
    instrument_ids: set[int] = field(default_factory=set)
    justified: int = 0
    minutes: int = 0  # minutes per month × employees, summed over units
    employees: int = 0
    signals: Signals = field(default_factory=Signals)
    decision_counts: dict[str, int] = field(default_factory=dict)
    freed: float = 0.0
    added: float = 0.0

    @property
    def instruments(self) -> int:
        return len(self.instrument_ids)

    @property
    def justified_share(self) -> int | None:
        return round(100 * self.justified / self.instruments) if self.instruments else None

    @property
    def hours_per_year(self) -> float:
        return self.minutes * 12 / 60

    @property
    def minutes_per_employee(self) -> float | None:
        """Average minutes per month for each employee concerned."""
        return self.minutes / self.employees if self.employees else None

    @property
    def decisions(self) -> list[tuple[str, int]]:
        return [(Kind(kind).label, self.decision_counts.get(kind, 0)) for kind in Kind.values]

    @property
    def decisions_total(self) -> int:
        return sum(self.decision_counts.values())

    @property
    def net_freed(self) -> float:
        return self.freed - self.added


@dataclass(frozen=True)
class Overview:
    by_core_task: list[Line]
    by_area: list[Line]
    total: Line
    decision_kinds: list[str]


def _summaries(ids: Iterable[int]) -> dict[int, Any]:
    from styring.queries.signals import instrument_summaries

    return dict(instrument_summaries(list(ids)))


def _add_signals(line: Line, summaries: dict[int, Any]) -> None:
    for pk in line.instrument_ids:
        summary = summaries.get(pk)
        if summary is None:
            continue
        helps = summary.helps
        line.signals.n += summary.n
        line.signals.helpful += helps.get("yes", 0) + helps.get("partly", 0)
        line.signals.took_side += helps.get("yes", 0) + helps.get("partly", 0) + helps.get("no", 0)
        line.signals.instruments += 1


def _add_decision(line: Line, decision: Decision) -> None:
    line.decision_counts[decision.kind] = line.decision_counts.get(decision.kind, 0) + 1
    hours = decision.hours_per_year_freed
    if hours >= 0:
        line.freed += hours
    else:
        line.added -= hours


def governance_overview(user: AnyUser) -> Overview:
    instruments = instruments_with_rules()
    justified_ids = {i.pk for i in instruments if i.justifications.all()}
    units = list(OrgUnit.objects.active())
    applied = governance_for_units(units, instruments)
    employees = employees_by_unit()
    areas = [unit for unit in units if unit.depth == 2]  # the directorates

    # Decisions, on instruments in force or not (a removal retires its instrument).
    decisions = list(Decision.objects.select_related("area").order_by())
    decided_ids = {d.instrument_id for d in decisions}
    tasks_of: dict[int, set[int]] = defaultdict(set)
    for instrument in instruments:
        tasks_of[instrument.pk] = {j.core_task_id for j in instrument.justifications.all()}
    for instrument_id, task_id in Justification.objects.filter(
        instrument_id__in=decided_ids - set(tasks_of)
    ).values_list("instrument_id", "core_task_id"):
        tasks_of[instrument_id].add(task_id)
    paths_of: dict[int, list[str]] = defaultdict(list)
    for instrument_id, path in Instrument.applies_to.through.objects.filter(
        instrument_id__in=decided_ids
    ).values_list("instrument_id", "orgunit__path"):
        paths_of[instrument_id].append(path)

    task_ids = set().union(*tasks_of.values()) if tasks_of else set()
    core_tasks = list(
        CoreTask.objects.filter(access.core_task_filter(user))
        .filter(Q(pk__in=task_ids) | Q(status=CoreTask.Status.ADOPTED))
        .order_by("title", "pk")
    )
    by_task = {task.pk: Line(task.title, core_task=task) for task in core_tasks}
    unjustified = Line(_("No justification by a core task"))
    by_area = {area.pk: Line(area.name, unit=area) for area in areas}
    total = Line(_("The whole organisation"))

    for unit in units:
        entries = applied[unit.pk]
        if not entries:
            continue
        people = employees.get(unit.pk, 0)
        area = next((a for a in areas if unit.path.startswith(a.path)), None)
        touched: set[int] = set()  # ids of the lines this unit's employees count in
        for entry in entries:
            pk = entry.instrument.pk
            lines = [total]
            if area is not None:
                lines.append(by_area[area.pk])
            task_lines = [by_task[t] for t in tasks_of[pk] if t in by_task]
            lines.extend(task_lines if tasks_of[pk] else [unjustified])
            for line in lines:
                line.instrument_ids.add(pk)
                line.minutes += entry.minutes * people
                touched.add(id(line))
        for line in [total, unjustified, *by_task.values(), *by_area.values()]:
            if id(line) in touched:
                line.employees += people

    every_line = [*by_task.values(), unjustified, *by_area.values(), total]
    summaries = _summaries(total.instrument_ids)
    for line in every_line:
        line.justified = len(line.instrument_ids & justified_ids)
        _add_signals(line, summaries)

    for decision in decisions:
        _add_decision(total, decision)
        tasks = tasks_of.get(decision.instrument_id, set())
        if not tasks:
            _add_decision(unjustified, decision)
        for task_id in tasks:
            if task_id in by_task:
                _add_decision(by_task[task_id], decision)
        for area in areas:
            if decision.area_id is not None:
                inside = decision.area.path.startswith(area.path)
            else:
                # A whole-instrument decision belongs to an area only when the instrument
                # applies nowhere else.
                paths = paths_of.get(decision.instrument_id, [])
                inside = bool(paths) and all(path.startswith(area.path) for path in paths)
            if inside:
                _add_decision(by_area[area.pk], decision)

    task_lines = list(by_task.values())
    if unjustified.instruments or unjustified.decisions_total:
        task_lines.append(unjustified)
    return Overview(task_lines, list(by_area.values()), total, list(Kind.values))
