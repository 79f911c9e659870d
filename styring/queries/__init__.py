"""Read models of the governance app.

`governance_for_units` is the one answer to "which instruments apply to this unit, at what time
cost, after the decisions taken": every page that shows what applies (what applies to me, the
map, the overviews, the review register, the hub panel) reads it, so they cannot disagree.
Read models of one area live in the submodules (`signals`, `review`, ...).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count

from organisation.models import OrgUnit, User, subtree_q
from styring.models import Decision, Instrument


@dataclass(frozen=True)
class Applied:
    """One instrument as it applies to one unit: the time cost per employee per month there,
    and the latest decision that covers the unit (None if none)."""

    instrument: Instrument
    minutes: int
    decision: Decision | None


def _covers(prefixes: Iterable[str], path: str) -> bool:
    return any(path.startswith(prefix) for prefix in prefixes)


def instruments_with_rules(queryset: Iterable[Instrument] | None = None) -> list[Instrument]:
    """Instruments with what `governance_for_units` needs, in a fixed number of queries:
    `applies_paths` (the applies-to subtree roots), `area_decisions` (their decisions, oldest
    first, each with `area_path`, None for the whole instrument) and `justifications` (with
    their core tasks) prefetched."""
    if queryset is None:
        queryset = Instrument.objects.in_force()
    instruments = list(
        queryset.select_related("owner_unit", "owner").prefetch_related("justifications__core_task")
    )
    ids = [instrument.pk for instrument in instruments]
    paths: dict[int, list[str]] = {pk: [] for pk in ids}
    for pk, path in Instrument.applies_to.through.objects.filter(instrument_id__in=ids).values_list(
        "instrument_id", "orgunit__path"
    ):
        paths[pk].append(path)
    decisions: dict[int, list[Decision]] = {pk: [] for pk in ids}
    for decision in (
        Decision.objects.filter(instrument_id__in=ids)
        .select_related("area")
        .order_by("decided_on", "pk")
    ):
        decision.area_path = decision.area.path if decision.area_id else None
        decisions[decision.instrument_id].append(decision)
    for instrument in instruments:
        instrument.applies_paths = sorted(paths[instrument.pk])
        instrument.area_decisions = decisions[instrument.pk]
    return instruments


def applied_to(instrument: Instrument, unit_path: str) -> Applied | None:
    """How `instrument` (from `instruments_with_rules`) applies to the unit at `unit_path`, or
    None when it does not: not in its applies-to subtrees, or removed there by the latest
    decision covering the unit."""
    if not _covers(instrument.applies_paths, unit_path):
        return None
    latest = None
    for decision in instrument.area_decisions:  # oldest first: the last covering one wins
        if decision.area_path is None or unit_path.startswith(decision.area_path):
            latest = decision
    if latest is None:
        return Applied(instrument, instrument.minutes_per_month, None)
    if latest.kind == Decision.Kind.REMOVE:
        return None
    return Applied(instrument, latest.minutes_after, latest)


def governance_for_units(
    units: Sequence[OrgUnit], instruments: Sequence[Instrument] | None = None
) -> dict[int, list[Applied]]:
    """unit id → the instruments in force that apply to it, by title. Queries do not grow with
    the number of units."""
    if instruments is None:
        instruments = instruments_with_rules()
    result: dict[int, list[Applied]] = {}
    for unit in units:
        applied = (applied_to(instrument, unit.path) for instrument in instruments)
        result[unit.pk] = [entry for entry in applied if entry is not None]
    return result


def employees_by_unit() -> dict[int, int]:
    """Active employees per home unit (own, not below), in one grouped query."""
    rows = (
        User.objects.filter(is_active=True, home_unit__isnull=False)
        .values("home_unit")
        .annotate(n=Count("pk"))
        .values_list("home_unit", "n")
    )
    return dict(rows)


def employees_in_subtrees(paths: Iterable[str]) -> int:
    """Active employees whose home unit lies in any of the subtrees (each counted once)."""
    prefixes = list(paths)
    if not prefixes:
        return 0
    units = OrgUnit.objects.filter(subtree_q(prefixes)).values("pk")
    return User.objects.filter(is_active=True, home_unit__in=units).count()
