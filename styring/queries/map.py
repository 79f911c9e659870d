"""The governance map: units × core tasks, with how many instruments in force apply in each cell
because of that core task, what they cost employees there, and whether the latest decision
tightened or loosened them.

The rows are the units the user may follow (`access.governance_map_units_filter`): by default
the top three levels of what they see, or a chosen unit with its children (drill-down). What
applies is read once for all rows through `styring.queries.governance_for_units`, so the number
of queries does not grow with the number of units.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.http import Http404

from kerneopgaver.models import CoreTask
from organisation import access
from organisation.access import AnyUser
from organisation.models import OrgUnit
from styring.models import Decision
from styring.queries import Applied, governance_for_units, instruments_with_rules

DEFAULT_LEVELS = 3
MAX_LEVELS = 8

TIGHTENED = "tightened"
LOOSENED = "loosened"
_LOOSENING = (Decision.Kind.LOOSEN, Decision.Kind.SIMPLIFY)


@dataclass(frozen=True)
class Cell:
    count: int
    minutes: int  # per employee per month
    marker: str | None  # TIGHTENED, LOOSENED or None: what the latest decision here did
    band: int  # 0: nothing applies; 1 (low cost) .. 5 (high cost)

    @property
    def colour(self) -> int:
        """The shared heatmap colour class: its band 1 is the warm end, so high cost is warm."""
        return 6 - self.band if self.band else 0


@dataclass(frozen=True)
class Row:
    unit: OrgUnit
    indent_level: int
    has_children: bool
    cells: list[Cell]  # one per core task
    unjustified: Cell
    total: Cell

    @property
    def indent(self) -> str:
        """Em spaces for the indentation (the CSP forbids inline styles)."""
        return "\u2003" * self.indent_level


@dataclass(frozen=True)
class Band:
    number: int
    low: int
    high: int | None  # None: and above

    @property
    def colour(self) -> int:
        return 6 - self.number


@dataclass(frozen=True)
class GovernanceMap:
    core_tasks: list[CoreTask]
    rows: list[Row]
    unit: OrgUnit | None  # the chosen unit (drill-down), or None for the top levels
    trail: list[OrgUnit]  # the chosen unit's ancestors the user may open, top first
    levels: int
    bands: list[Band]


def bands() -> list[Band]:
    """Five cost bands around the review register's "high time cost" threshold."""
    high = settings.GOVERNANCE_HIGH_COST_MINUTES
    edges = [1, max(high // 4, 2), max(high // 2, 3), max(high, 4), max(high * 2, 5)]
    return [
        Band(number, low, edges[number] - 1 if number < len(edges) else None)
        for number, low in enumerate(edges, start=1)
    ]


def _band(minutes: int, scale: list[Band]) -> int:
    if minutes <= 0:
        return 0
    number = 1
    for band in scale:
        if minutes >= band.low:
            number = band.number
    return number


def _cell(applied: list[Applied], scale: list[Band]) -> Cell:
    minutes = sum(entry.minutes for entry in applied)
    decisions = [entry.decision for entry in applied if entry.decision is not None]
    marker = None
    if decisions:
        latest = max(decisions, key=lambda d: (d.decided_on, d.pk))
        if latest.kind == Decision.Kind.TIGHTEN:
            marker = TIGHTENED
        elif latest.kind in _LOOSENING:
            marker = LOOSENED
    return Cell(len(applied), minutes, marker, _band(minutes, scale))


def valid_levels(value: str | None) -> int:
    try:
        levels = int(value or "")
    except ValueError:
        return DEFAULT_LEVELS
    return levels if 1 <= levels <= MAX_LEVELS else DEFAULT_LEVELS


def _chosen_unit(user: AnyUser, value: str | None) -> OrgUnit | None:
    if not value:
        return None
    try:
        pk = int(value)
    except ValueError:
        return None
    unit = OrgUnit.objects.active().filter(access.governance_map_units_filter(user), pk=pk).first()
    if unit is None:
        raise Http404("No such unit on the map")
    return unit


def governance_map(
    user: AnyUser, *, unit: str | None = None, levels: str | None = None
) -> GovernanceMap:
    """The map for `user`: `unit` (a pk from the query string) drills down to that unit and its
    children; otherwise the top `levels` levels of the units the user may follow."""
    chosen = _chosen_unit(user, unit)
    depth_count = valid_levels(levels)
    visible = OrgUnit.objects.active().filter(access.governance_map_units_filter(user))
    trail: list[OrgUnit] = []
    if chosen is not None:
        units = list(visible.filter(path__startswith=chosen.path, depth__lte=chosen.depth + 1))
        trail = list(visible.filter(path__in=chosen.ancestor_paths()))
    else:
        top = min(visible.values_list("depth", flat=True).order_by("depth")[:1], default=0)
        units = list(visible.filter(depth__lt=top + depth_count)) if top else []
    top_depth = min((u.depth for u in units), default=0)
    instruments = instruments_with_rules()
    task_ids = {j.core_task_id for i in instruments for j in i.justifications.all()}
    # Columns: the core tasks the user may see that justify something in force, and every
    # adopted one (an empty column says that no governance is justified by it).
    core_tasks = list(
        CoreTask.objects.filter(access.core_task_filter(user))
        .filter(Q(pk__in=task_ids) | Q(status=CoreTask.Status.ADOPTED))
        .order_by("title", "pk")
    )
    applied_by_unit = governance_for_units(units, instruments)
    scale = bands()
    rows = []
    for row_unit in units:
        applied = applied_by_unit[row_unit.pk]
        by_task: dict[int, list[Applied]] = {task.pk: [] for task in core_tasks}
        unjustified: list[Applied] = []
        for entry in applied:
            justifications = entry.instrument.justifications.all()
            if not justifications:
                unjustified.append(entry)
            for justification in justifications:
                if justification.core_task_id in by_task:
                    by_task[justification.core_task_id].append(entry)
        rows.append(
            Row(
                unit=row_unit,
                indent_level=row_unit.depth - top_depth,
                has_children=row_unit.numchild > 0,
                cells=[_cell(by_task[task.pk], scale) for task in core_tasks],
                unjustified=_cell(unjustified, scale),
                total=_cell(applied, scale),
            )
        )
    return GovernanceMap(core_tasks, rows, chosen, trail, depth_count, scale)
