"""Aggregating a quarter's value signals into `SignalResult` rows (DESIGN.md, "Anonymity" and
"Aggregation and results"), the way survey rounds are aggregated:

1. One grouped statement counts the period's signals per instrument and unit (the signers' home
   units): n and, per question, the count of each answer (conditional counts), so no signal is
   ever read into Python one by one.
2. Per instrument, a roll-up over the whole organisation tree, children first (a unit's SUBTREE
   counts are its own plus its children's subtrees), then `organisation.anonymity.suppress` on
   the own counts with k = VALUE_SIGNAL_MIN_GROUP_SIZE: the same rules, primary and secondary
   suppression, as the survey results.
3. One transaction replaces the period's rows and records the aggregation (k, signals,
   fingerprint), unless the fingerprint says the same rows are there already: running it twice,
   concurrently or after a crash midway leaves the same rows, and `version` only moves when
   the rows change.

Only an ended period is aggregated: a figure that moved with each new answer would reveal it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from organisation.anonymity import OWN, SUBTREE, prepare_tree, suppress
from organisation.models import OrgUnit
from styring import periods
from styring.models import (
    Answer,
    DuplicateAnswer,
    SignalAggregation,
    SignalResult,
    ValueSignal,
)

__all__ = ["ALGORITHM", "aggregate_period", "own_counts", "periods_needing_aggregation"]

# Bump when the way rows are computed changes: the reconciler then recomputes every period.
ALGORITHM = "v1"

# A unit's counts as one vector of integers: n, then helps (yes, partly, no, don't know), uses
# (the same) and duplicate (yes, no, don't know): the order of the choices, as stored in the rows.
QUESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("helps", tuple(Answer.values)),
    ("uses", tuple(Answer.values)),
    ("duplicate", tuple(DuplicateAnswer.values)),
)
_COLUMNS = [f"{field}_{answer}" for field, answers in QUESTIONS for answer in answers]
VECTOR_LENGTH = 1 + len(_COLUMNS)
Vector = list[int]

# One result row: instrument id, unit id, cell, hidden, n, helps, uses, duplicate.
Row = tuple


def own_counts(period: str) -> dict[int, dict[int, Vector]]:
    """instrument id → unit id → the counts vector of the signals whose unit is that unit."""
    conditional = {
        f"{field}_{answer}": Count("pk", filter=Q(**{field: answer}))
        for field, answers in QUESTIONS
        for answer in answers
    }
    rows = (
        ValueSignal.objects.filter(period=period)
        .values("instrument_id", "unit_id")
        .annotate(n=Count("pk"), **conditional)
        .order_by("instrument_id", "unit_id")
    )
    counts: dict[int, dict[int, Vector]] = {}
    for row in rows:
        vector = [row["n"], *(row[column] for column in _COLUMNS)]
        counts.setdefault(row["instrument_id"], {})[row["unit_id"]] = vector
    return counts


def organisation_tree() -> dict[int, int | None]:
    """Every unit (inactive ones too: old signals may belong to them) → its parent, by path."""
    rows = list(OrgUnit.objects.values_list("pk", "path"))
    by_path = {path: pk for pk, path in rows}
    step = OrgUnit.steplen
    return {pk: by_path.get(path[:-step]) if len(path) > step else None for pk, path in rows}


def _split(vector: Vector) -> tuple[int, list[int], list[int], list[int]]:
    helps_end = 1 + len(QUESTIONS[0][1])
    uses_end = helps_end + len(QUESTIONS[1][1])
    return vector[0], vector[1:helps_end], vector[helps_end:uses_end], vector[uses_end:]


def compute_rows(
    counts: Mapping[int, Mapping[int, Vector]], parents: Mapping[int, int | None], k: int
) -> list[Row]:
    """Roll each instrument's own counts up the tree, suppress, and build its rows: a SUBTREE
    row for every unit whose subtree holds signals, an OWN row for every unit with children and
    signals of its own (a leaf's own cell is its subtree). Hidden rows carry no figures."""
    tree = prepare_tree(parents)
    children, order = tree
    rows: list[Row] = []
    for instrument_id in sorted(counts):
        own = counts[instrument_id]
        subtree: dict[int, Vector] = {}
        for unit in order:
            total = list(own.get(unit, [0] * VECTOR_LENGTH))
            for child in children[unit]:
                child_total = subtree[child]
                if child_total[0]:
                    total = [a + b for a, b in zip(total, child_total, strict=True)]
            subtree[unit] = total
        hidden = suppress(parents, {unit: vector[0] for unit, vector in own.items()}, k, tree)
        for unit in order:
            cells = [(SUBTREE, subtree[unit])]
            if children[unit] and unit in own:
                cells.append((OWN, own[unit]))
            for cell, vector in cells:
                if vector[0] == 0:
                    continue  # no signals: no row, shown as "no answers"
                if hidden.is_hidden(cell, unit):
                    rows.append((instrument_id, unit, cell, True, None, None, None, None))
                else:
                    rows.append((instrument_id, unit, cell, False, *_split(vector)))
    return rows


def _digest(rows: Sequence[Row]) -> str:
    # compute_rows builds the rows in a fixed order from integers: same inputs, same text.
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def _fingerprint_head(k: int, signals: int) -> str:
    """What the rows are computed from, apart from their own digest."""
    return f"{ALGORITHM}:k{k}:s{signals}:"


def aggregate_period(*, period: str) -> None:
    """Aggregate the value signals of an ended period (idempotent). ValueError for a period
    that is malformed or has not ended yet."""
    if not periods.has_ended(period):  # also raises ValueError for a malformed period
        raise ValueError(f"the period {period} has not ended; its signals are not aggregated yet")
    k = settings.VALUE_SIGNAL_MIN_GROUP_SIZE
    counts = own_counts(period)
    signals = sum(vector[0] for by_unit in counts.values() for vector in by_unit.values())
    rows = compute_rows(counts, organisation_tree(), k)
    digest = _digest(rows)
    fingerprint = f"{_fingerprint_head(k, signals)}{digest}"
    with transaction.atomic():
        aggregation, created = SignalAggregation.objects.select_for_update().get_or_create(
            period=period,
            defaults={
                "k": k,
                "signals": signals,
                "fingerprint": fingerprint,
                "version": 1,
                "computed_at": timezone.now(),
            },
        )
        if not created and aggregation.fingerprint == fingerprint:
            return
        rows_changed = created or not aggregation.fingerprint.endswith(f":{digest}")
        if rows_changed:
            SignalResult.objects.filter(period=period).delete()
            SignalResult.objects.bulk_create(
                (
                    SignalResult(
                        period=period,
                        instrument_id=instrument_id,
                        unit_id=unit_id,
                        cell=cell,
                        hidden=hidden,
                        n=n,
                        helps=helps,
                        uses=uses,
                        duplicate=duplicate,
                    )
                    for instrument_id, unit_id, cell, hidden, n, helps, uses, duplicate in rows
                ),
                batch_size=2000,
            )
        if created:
            return
        if rows_changed:
            aggregation.version += 1
        aggregation.k = k
        aggregation.signals = signals
        aggregation.fingerprint = fingerprint
        aggregation.computed_at = timezone.now()
        aggregation.save(update_fields=["k", "signals", "fingerprint", "version", "computed_at"])


def periods_needing_aggregation() -> list[str]:
    """Ended periods with signals whose aggregation is missing or stale (another algorithm or
    k, or a different number of signals than now, e.g. one given just before the quarter
    ended that committed after the aggregation). Oldest first."""
    k = settings.VALUE_SIGNAL_MIN_GROUP_SIZE
    signals = dict(
        ValueSignal.objects.values("period")
        .annotate(n=Count("pk"))
        .order_by("period")
        .values_list("period", "n")
    )
    fingerprints = dict(SignalAggregation.objects.values_list("period", "fingerprint"))
    needing: list[str] = []
    for period, n in sorted(signals.items()):
        try:
            ended = periods.has_ended(period)
        except ValueError:
            continue  # not a period the service writes; nothing to aggregate
        if not ended:
            continue
        if not fingerprints.get(period, "").startswith(_fingerprint_head(k, n)):
            needing.append(period)
    return needing
