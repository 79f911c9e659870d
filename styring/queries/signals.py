"""Read models of "what applies to me" and of employees' value signals.

Value-signal figures come from the aggregated `SignalResult` rows only, which the aggregation
has already suppressed (styring/services/signal_aggregation.py): a hidden row has no figures to
leak, and every reader here shows it as hidden. The instrument-wide figure (the organisation's
root subtree) may be read by everyone signed in; per-unit figures only for the units
`access.value_signal_units_filter` allows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from organisation import access
from organisation.models import OrgUnit, User
from styring import periods
from styring.models import (
    Answer,
    DuplicateAnswer,
    Instrument,
    Justification,
    SignalAggregation,
    SignalResult,
    ValueSignalMarker,
)
from styring.queries import Applied, applied_to, governance_for_units, instruments_with_rules
from styring.services.signals import marker_digest

# --- Value-signal figures ----------------------------------------------------------------------


def _as_counts(values: list[int] | None, choices: Iterable[str]) -> dict[str, int]:
    return dict(zip(choices, values or [], strict=False))


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass(frozen=True)
class SignalSummary:
    """Aggregated value signals of a visible cell: the number of signals and, per question,
    answer → count (the choices' values: "yes", "partly", "no", "dont_know")."""

    period: str
    n: int
    helps: dict[str, int]
    uses: dict[str, int]
    duplicate: dict[str, int]

    @property
    def helpful_share(self) -> float:
        """(yes + partly) / (yes + partly + no): "don't know" is no judgement either way."""
        positive = self.helps.get(Answer.YES, 0) + self.helps.get(Answer.PARTLY, 0)
        return _share(positive, positive + self.helps.get(Answer.NO, 0))

    @property
    def unhelpful_share(self) -> float:
        positive = self.helps.get(Answer.YES, 0) + self.helps.get(Answer.PARTLY, 0)
        negative = self.helps.get(Answer.NO, 0)
        return _share(negative, positive + negative)

    @property
    def active_use_share(self) -> float:
        """(yes + partly) / (yes + partly + no) for "Do you use it actively?"."""
        positive = self.uses.get(Answer.YES, 0) + self.uses.get(Answer.PARTLY, 0)
        return _share(positive, positive + self.uses.get(Answer.NO, 0))

    @property
    def duplicate_share(self) -> float:
        """yes / (yes + no) for "Do you register the same thing somewhere else?"."""
        yes = self.duplicate.get(DuplicateAnswer.YES, 0)
        return _share(yes, yes + self.duplicate.get(DuplicateAnswer.NO, 0))

    @classmethod
    def from_row(cls, row: SignalResult) -> SignalSummary:
        return cls(
            period=row.period,
            n=row.n or 0,
            helps=_as_counts(row.helps, Answer.values),
            uses=_as_counts(row.uses, Answer.values),
            duplicate=_as_counts(row.duplicate, DuplicateAnswer.values),
        )


def _aggregated_periods() -> list[str]:
    return list(SignalAggregation.objects.order_by("-period").values_list("period", flat=True))


def instrument_summaries(instrument_ids: Iterable[int]) -> dict[int, SignalSummary]:
    """instrument id → its instrument-wide figure in the latest aggregated period that holds
    signals on it: the SUBTREE cell of the organisation's root unit(s). Absent when that cell
    is hidden (fewer than k signals) or there are none. Two queries whatever the number."""
    ids = list(instrument_ids)
    aggregated = _aggregated_periods()
    if not ids or not aggregated:
        return {}
    rows = SignalResult.objects.filter(
        instrument_id__in=ids,
        period__in=aggregated,
        cell=SignalResult.Cell.SUBTREE,
        unit__depth=1,
    ).order_by("instrument_id", "-period", "unit_id")
    latest: dict[int, list[SignalResult]] = {}
    for row in rows:  # latest period first per instrument: keep that period's root rows
        group = latest.get(row.instrument_id)
        if group is None:
            latest[row.instrument_id] = [row]
        elif group[0].period == row.period:
            group.append(row)
    summaries: dict[int, SignalSummary] = {}
    for instrument_id, root_rows in latest.items():
        if any(row.hidden for row in root_rows):
            continue
        # Several roots (rare): their visible totals add up without revealing anything.
        parts = [SignalSummary.from_row(row) for row in root_rows]
        summaries[instrument_id] = SignalSummary(
            period=parts[0].period,
            n=sum(part.n for part in parts),
            helps=_sum_counts(part.helps for part in parts),
            uses=_sum_counts(part.uses for part in parts),
            duplicate=_sum_counts(part.duplicate for part in parts),
        )
    return summaries


def _sum_counts(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for one in counts:
        for answer, count in one.items():
            total[answer] = total.get(answer, 0) + count
    return total


@dataclass(frozen=True)
class UnitSignalRow:
    """One unit's cell: the unit with everything below it, or its own employees only. A hidden
    row has no summary."""

    unit: OrgUnit
    cell: str
    summary: SignalSummary | None

    @property
    def hidden(self) -> bool:
        return self.summary is None

    @property
    def own_only(self) -> bool:
        return self.cell == SignalResult.Cell.OWN


@dataclass(frozen=True)
class UnitSignalRows:
    period: str | None
    k: int
    rows: list[UnitSignalRow] = field(default_factory=list)


def unit_signal_rows(user: User, instrument: Instrument) -> UnitSignalRows:
    """The instrument's rows in the latest aggregated period that holds signals on it, for the
    units the user may see, in tree order (a unit's subtree row before its own row)."""
    k = settings.VALUE_SIGNAL_MIN_GROUP_SIZE
    aggregated = _aggregated_periods()
    period = (
        SignalResult.objects.filter(instrument=instrument, period__in=aggregated)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    if period is None:
        return UnitSignalRows(None, k)
    k = SignalAggregation.objects.filter(period=period).values_list("k", flat=True).first() or k
    visible_units = OrgUnit.objects.filter(access.value_signal_units_filter(user))
    results = (
        SignalResult.objects.filter(instrument=instrument, period=period, unit__in=visible_units)
        .select_related("unit")
        .order_by("unit__path", "-cell")  # "subtree" before "own"
    )
    rows = [
        UnitSignalRow(row.unit, row.cell, None if row.hidden else SignalSummary.from_row(row))
        for row in results
    ]
    return UnitSignalRows(period, k, rows)


# --- What applies to a unit --------------------------------------------------------------------


def applies_to_user(user: User, instrument: Instrument) -> bool:
    """Whether `instrument` applies to the user's (active) home unit after the decisions taken:
    the `applies` that access.can_give_value_signal asks for."""
    home = user.home_unit if user.is_authenticated and user.home_unit_id else None
    if home is None or not home.active:
        return False
    (with_rules,) = instruments_with_rules(Instrument.objects.filter(pk=instrument.pk)) or (None,)
    return with_rules is not None and applied_to(with_rules, home.path) is not None


@dataclass(frozen=True)
class ApplicableInstrument:
    """An instrument as it applies to a unit, with why (its justifications) and, on the
    reader's own workplace, whether they have given a value signal this quarter."""

    applied: Applied
    justifications: list[Justification]
    given: bool | None  # None: not the reader's workplace, nothing to say

    @property
    def instrument(self) -> Instrument:
        return self.applied.instrument

    @property
    def minutes(self) -> int:
        return self.applied.minutes


@dataclass(frozen=True)
class ApplicableGovernance:
    unit: OrgUnit
    period: str
    entries: list[ApplicableInstrument]
    employees: int  # active employees whose home unit is the unit itself

    @property
    def minutes_per_month(self) -> int:
        """Total time cost per employee per month."""
        return sum(entry.minutes for entry in self.entries)

    @property
    def hours_per_year(self) -> float:
        """Total time cost per employee per year, in hours."""
        return self.minutes_per_month * 12 / 60

    @property
    def unit_hours_per_year(self) -> float:
        """For all the unit's own employees together, in hours per year."""
        return self.hours_per_year * self.employees

    @property
    def given_count(self) -> int:
        return sum(1 for entry in self.entries if entry.given)


def applicable_governance(unit: OrgUnit, reader: User | None = None) -> ApplicableGovernance:
    """What applies to `unit` and why. With `reader` whose home unit is `unit`, each entry says
    whether they have given a value signal this quarter (one query for all of them)."""
    period = periods.current_period()
    applied = governance_for_units([unit])[unit.pk]
    given_digests: set[str] | None = None
    if reader is not None and reader.home_unit_id == unit.pk:
        digests = [marker_digest(reader.pk, entry.instrument.pk, period) for entry in applied]
        given_digests = set(
            ValueSignalMarker.objects.filter(digest__in=digests).values_list("digest", flat=True)
        )
    entries = [
        ApplicableInstrument(
            applied=entry,
            justifications=list(entry.instrument.justifications.all()),
            given=(
                None
                if given_digests is None
                else marker_digest(reader.pk, entry.instrument.pk, period) in given_digests
            ),
        )
        for entry in applied
    ]
    return ApplicableGovernance(
        unit=unit,
        period=period,
        entries=entries,
        employees=User.objects.filter(is_active=True, home_unit=unit).count(),
    )


def units_to_pick(user: User) -> list[OrgUnit]:
    """The units whose governance the user may look at beyond their own workplace: the subtrees
    they lead, and for HR those they maintain."""
    led = access.units_led_by(user).values("pk")
    maintained = access.units_maintained_by(user).values("pk")
    return list(
        OrgUnit.objects.filter(active=True)
        .filter(Q(pk__in=led) | Q(pk__in=maintained))
        .order_by("path")
    )
