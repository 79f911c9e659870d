"""Aggregating a closed round into result rows (DESIGN.md, "Aggregation and results").

Three steps, none of them a loop over responses:
1. Two grouped statements give, per unit (the respondents' own units)
   and measure, a vector of exact integers: responses n, the sum and the sum of squares of the
   scores, the favourable ones, and the distribution over the five scale points. Scores are kept
   in hundredths of a point (0..10000), so every sum is an integer, the roll-up is exact and the
   rows come out the same whatever order the database adds in.
   - items: one statement counting the round's answers per unit, item and value;
   - dimensions and the index: one statement over the respondents' scores, which
     services/scoring.py computes in SQL when a response is stored (a respondent's dimension
     score is the mean of their answered items in it, when at least half of them are answered;
     their index is the mean of their dimension scores, when at least half of the dimensions
     have one). A round whose scores are missing is scored first.
2. A roll-up over the unit tree, children first, with every measure of a unit in one flat list:
   a unit's SUBTREE vector is its own plus its children's subtrees. Then suppression, per
   measure, by `anonymity.suppress` on the counts.
3. The rows are written in one transaction that replaces the round's rows and raises its
   `results_version`, unless the fingerprint (algorithm, k, answers, and a digest of the rows)
   says they are already there: so running it twice, concurrently or after a crash midway leaves
   the same rows, and the version (which caches are keyed on) only moves when the rows change.
   The rows go to the database (COPY on PostgreSQL) measure by measure as steps 2 and 3 make
   them, so the server stores one while the next is computed; when the digest, known after the
   last row, matches the stored one, the transaction is rolled back instead.

At national scale the first step is split by subtree (`split_paths`): every part is one Celery
task computing its units' own vectors, and a chord callback rolls up and writes (tasks/results.py).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from organisation.anonymity import OWN, SUBTREE, prepare_tree, suppress
from organisation.models import OrgUnit
from socialkapital.models import Answer, Item, Response, ResponseScore, Result, SurveyRound
from socialkapital.services.scoring import ensure_round_scored
from socialkapital.services.scoring import table_name as _table

__all__ = [
    "ALGORITHM",
    "AggregationOutcome",
    "Part",
    "aggregate_round",
    "answers_fingerprint",
    "compute_rows",
    "merge_vectors",
    "own_vectors",
    "round_units",
    "rounds_needing_results",
    "split_parts",
    "write_rows",
]

# Bump when the way figures are computed changes: the reconciler then recomputes every round.
ALGORITHM = "r1"
SCALE_POINTS = 5
CENTI_PER_STEP = 2500  # 1..5 → 0, 2500, ..., 10000 hundredths of a point on 0–100
FAVOURABLE_FROM = 7500  # "agree" or "strongly agree" (after reversal), or a mean at least that
_FAVOURABLE_STEP = -(-FAVOURABLE_FROM // CENTI_PER_STEP)  # the lowest favourable scale step
INDEX_KEY = "index"
ANSWERS_KEY = "answers"  # not a measure: the unit's number of answers, for the fingerprint
# A vector: n, sum, sum of squares, favourable, then the counts at 0, 25, 50, 75, 100.
VECTOR_LENGTH = 4 + SCALE_POINTS
Vector = list[int]
Vectors = dict[int, dict[str, Vector]]  # unit id → measure key → vector


def dimension_key(dimension: str) -> str:
    return f"dimension:{dimension}"


def item_key(code: str) -> str:
    return f"item:{code}"


# --- Step 1: own vectors per unit, from grouped SQL ------------------------------------------


@dataclass(frozen=True)
class Part:
    """One part of a split aggregation: the answers of the units in `subtrees` (paths, each with
    everything below it) and of the `units` themselves (ids, their own answers only)."""

    subtrees: tuple[str, ...] = ()
    units: tuple[int, ...] = ()

    def as_json(self) -> dict[str, list]:
        return {"subtrees": list(self.subtrees), "units": list(self.units)}

    @classmethod
    def from_json(cls, data: Mapping[str, Sequence]) -> Part:
        return cls(tuple(data.get("subtrees", ())), tuple(int(pk) for pk in data.get("units", ())))


def _unit_condition(part: Part | None) -> tuple[str, list[object]]:
    """SQL restricting answers (alias a) to one part; none means the whole round."""
    if part is None:
        return "", []
    terms = ["u.path LIKE %s" for _ in part.subtrees] + ["u.id = %s" for _ in part.units]
    sql = (
        f" AND a.unit_id IN (SELECT u.id FROM {_table(OrgUnit)} u "  # noqa: S608 (table names from the models)
        f"WHERE {' OR '.join(terms) or '1 = 0'})"
    )
    return sql, [*(f"{path}%" for path in part.subtrees), *part.units]


def _item_vectors(round_id: int, part: Part | None, into: Vectors) -> None:
    condition, params = _unit_condition(part)
    counts = "COUNT(*), " + ", ".join(
        f"SUM(CASE WHEN a.value = {value} THEN 1 ELSE 0 END)" for value in range(1, 6)
    )
    sql = (
        f"SELECT a.unit_id, a.item_id, {counts} FROM {_table(Answer)} a "  # noqa: S608 (no input)
        f"WHERE a.round_id = %s{condition} GROUP BY a.unit_id, a.item_id"
    )
    items = {
        pk: (item_key(code), reverse)
        for pk, code, reverse in Item.objects.values_list("pk", "code", "reverse_scored")
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, [round_id, *params])
        for unit_id, item_id, answers, *by_value in cursor.fetchall():
            key, reverse = items[item_id]
            unit_vectors = into.get(unit_id)
            if unit_vectors is None:
                unit_vectors = into[unit_id] = {ANSWERS_KEY: [0]}
            # Every answer, "don't know" included: the fingerprint's answer count.
            unit_vectors[ANSWERS_KEY][0] += int(answers)
            # by_value[i] answered i+1; reversed items score 5 - value steps.
            steps = [int(count) for count in by_value]
            if reverse:
                steps.reverse()
            unit_vectors[key] = _vector_from_steps(steps)


def _vector_from_steps(steps: Sequence[int]) -> Vector:
    """A vector from the counts at scale steps 0..4 (scores 0, 25, ..., 100), written out:
    it runs once per unit and item."""
    s0, s1, s2, s3, s4 = steps
    return [
        s0 + s1 + s2 + s3 + s4,
        CENTI_PER_STEP * (s1 + 2 * s2 + 3 * s3 + 4 * s4),
        CENTI_PER_STEP * CENTI_PER_STEP * (s1 + 4 * s2 + 9 * s3 + 16 * s4),
        sum(steps[_FAVOURABLE_STEP:]),
        s0,
        s1,
        s2,
        s3,
        s4,
    ]


def _score_vectors(round_id: int, part: Part | None, into: Vectors) -> None:
    """Dimension and index vectors from the respondents' scores (services/scoring.py)."""
    condition, params = _unit_condition(part)
    # The distribution counts a score at the nearest of 0, 2500, ..., 10000.
    bins = ", ".join(
        f"SUM(CASE WHEN a.score >= {low} AND a.score < {high} THEN 1 ELSE 0 END)"
        for low, high in _bin_bounds()
    )
    sql = (
        "SELECT a.unit_id, a.dimension, COUNT(*), SUM(a.score), SUM(a.score * a.score), "  # noqa: S608 (no input)
        f"SUM(CASE WHEN a.score >= {FAVOURABLE_FROM} THEN 1 ELSE 0 END), {bins} "
        f"FROM {_table(ResponseScore)} a "
        f"WHERE a.round_id = %s AND a.score IS NOT NULL{condition} "
        "GROUP BY a.unit_id, a.dimension"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [round_id, *params])
        for unit_id, dimension, *vector in cursor.fetchall():
            key = dimension_key(dimension) if dimension else INDEX_KEY
            into.setdefault(unit_id, {})[key] = [int(value) for value in vector]


def _bin_bounds() -> list[tuple[int, int]]:
    half = CENTI_PER_STEP // 2
    edges = [-1] + [step * CENTI_PER_STEP + half for step in range(SCALE_POINTS - 1)]
    edges.append(10 * CENTI_PER_STEP * SCALE_POINTS)  # above any score
    return list(itertools.pairwise(edges))


def own_vectors(survey_round: SurveyRound, *, part: Part | None = None) -> Vectors:
    """Per unit (the respondents' own unit) and measure key, the exact vector. With
    `unit_paths`, only units in those subtrees: one part of a split aggregation."""
    vectors: Vectors = {}
    _item_vectors(survey_round.pk, part, vectors)
    _score_vectors(survey_round.pk, part, vectors)
    return vectors


# --- Step 2: roll-up, suppression, figures -----------------------------------------------------


def round_units(
    survey_round: SurveyRound, extra_unit_ids: Iterable[int] = ()
) -> dict[int, int | None]:
    """The tree the round is aggregated over: every unit in its scope (also inactive ones: old
    answers may belong to them), parent by path. A unit with answers that has since moved out
    of the scope becomes a root of its own."""
    scope_path = OrgUnit.objects.values_list("path", flat=True).get(pk=survey_round.scope_id)
    rows = list(OrgUnit.objects.filter(path__startswith=scope_path).values_list("pk", "path"))
    known = {pk for pk, _path in rows}
    missing = [pk for pk in extra_unit_ids if pk not in known]
    if missing:
        rows += list(OrgUnit.objects.filter(pk__in=missing).values_list("pk", "path"))
    by_path = {path: pk for pk, path in rows}
    return {
        pk: (by_path.get(path[: -OrgUnit.steplen]) if pk != survey_round.scope_id else None)
        for pk, path in rows
    }


@dataclass(frozen=True)
class _Measure:
    key: str
    kind: str
    item_id: int | None
    dimension: str


def _measures(survey_round: SurveyRound) -> list[_Measure]:
    items = survey_round.questionnaire.items.values_list("pk", "code", "dimension")
    measures = [_Measure(INDEX_KEY, Result.Measure.INDEX, None, "")]
    for dimension in sorted({dimension for _pk, _code, dimension in items}):
        measures.append(
            _Measure(dimension_key(dimension), Result.Measure.DIMENSION, None, dimension)
        )
    for pk, code, dimension in sorted(items, key=lambda row: row[1]):
        measures.append(_Measure(item_key(code), Result.Measure.ITEM, pk, dimension))
    return measures


# Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom.
_T_975 = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
]  # fmt: skip


def t_quantile(degrees: int) -> float:
    """Student's t at 97.5% (a 95% interval), exact to three decimals: a table up to 30, then
    the Cornish–Fisher expansion around the normal quantile."""
    if degrees < 1:
        raise ValueError("at least one degree of freedom")
    if degrees <= len(_T_975):
        return _T_975[degrees - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * degrees) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * degrees**2)


# The rows are built directly as lines of PostgreSQL's COPY text format, in the order of
# ROW_COLUMNS (after the round): tens of thousands per round, and tuples, model instances or
# psycopg's per-row conversion each cost more than the rest of the roll-up. The same text is
# the rows' digest, and SQLite (demo, tests) reads it back into model instances.
ROW_COLUMNS = (
    "unit_id", "cell", "measure", "key", "item_id", "dimension", "hidden",
    "n", "mean", "sd", "ci_low", "ci_high", "favourable", "distribution",
)  # fmt: skip
NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_HIDDEN_FIGURES = "\t".join([NULL] * 7)


def _copy_text(value: object) -> str:
    return NULL if value is None else str(value).translate(_COPY_ESCAPES)


_SHOWN = "%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.4f\t[%d,%d,%d,%d,%d]"
_SHOWN_ALONE = f"%d\t%.2f\t{NULL}\t{NULL}\t{NULL}\t%.4f\t[%d,%d,%d,%d,%d]"


def figures_text(
    n: int, total: int, squares: int, favourable: int, distribution: Sequence[int]
) -> str:
    """n, mean, sd, confidence interval low and high, favourable share and distribution of a
    shown cell, as COPY text. Formatting a float with two decimals gives the digits of
    round(x, 2) (both are Python's correctly rounded conversion), so the stored figures are
    round(x, 2) exactly."""
    mean = total / n / 100
    if n < 2:
        return _SHOWN_ALONE % (n, mean, favourable / n, *distribution)
    sd = math.sqrt(max(0, n * squares - total * total) / (n * (n - 1))) / 100
    half = t_quantile(n - 1) * sd / math.sqrt(n)
    low, high = max(0.0, mean - half), min(100.0, mean + half)
    return _SHOWN % (n, mean, sd, low, high, favourable / n, *distribution)


def compute_rows(
    survey_round: SurveyRound, own: Vectors, parents: Mapping[int, int | None]
) -> Iterator[list[str]]:
    """Roll the own vectors up the tree, suppress per measure, and build the rows (COPY
    lines), yielded measure by measure: write_rows sends each measure's rows to the database
    while the next one is computed. Everything is read from the database here, before the
    first batch, since the connection is busy with the COPY while the batches are made."""
    return _rows(
        survey_round.pk, survey_round.min_group_size, _measures(survey_round), own, parents
    )


def _rows(
    round_id: int,
    k: int,
    measures: Sequence[_Measure],
    own: Vectors,
    parents: Mapping[int, int | None],
) -> Iterator[list[str]]:
    """compute_rows' work, without the database. Every unit's vectors are laid out in one flat
    list, measure after measure, so the roll-up is one element-wise sum per unit and tree edge,
    whatever the number of measures."""
    tree = prepare_tree(parents)  # also what suppress needs, for every measure
    children, order = tree
    width = VECTOR_LENGTH * len(measures)
    offsets = {measure.key: VECTOR_LENGTH * position for position, measure in enumerate(measures)}
    own_flat: dict[int, list[int]] = {}
    for unit, vectors in own.items():
        flat = [0] * width
        for key, vector in vectors.items():
            offset = offsets.get(key)
            if offset is not None:
                flat[offset : offset + VECTOR_LENGTH] = vector
        own_flat[unit] = flat
    zero = [0] * width
    subtree: dict[int, list[int]] = {}
    for unit in order:
        total = own_flat.get(unit, zero)
        for child in children[unit]:
            total = [mine + theirs for mine, theirs in zip(total, subtree[child], strict=True)]
        subtree[unit] = total
    # The cells that can have a row: every subtree, and the own cell of a unit with children;
    # by unit id, so that the rows of a measure reach the table's (round, unit) index in order.
    cells = [
        (unit, kind, flat, f"{round_id}\t{unit}\t{kind}\t")
        for unit in sorted(subtree)
        for kind, flat in (
            ((SUBTREE, subtree[unit]), (OWN, own_flat[unit]))
            if children[unit] and unit in own_flat
            else ((SUBTREE, subtree[unit]),)
        )
    ]
    for measure, offset in zip(measures, offsets.values(), strict=True):
        lines: list[str] = []
        counts = {unit: flat[offset] for unit, flat in own_flat.items() if flat[offset]}
        hidden = suppress(parents, counts, k, tree)
        hidden_cells = {OWN: hidden.hidden_own, SUBTREE: hidden.hidden_subtree}
        head = "\t".join(
            map(_copy_text, (measure.kind, measure.key, measure.item_id, measure.dimension))
        )
        end = offset + VECTOR_LENGTH
        for unit, kind, flat, start in cells:
            n = flat[offset]
            if not n:
                continue  # no responses: no row, shown as "no responses"
            if unit in hidden_cells[kind]:
                lines.append(f"{start}{head}\tt\t{_HIDDEN_FIGURES}\n")
            else:
                n, total, squares, favourable, *distribution = flat[offset:end]
                shown = figures_text(n, total, squares, favourable, distribution)
                lines.append(f"{start}{head}\tf\t{shown}\n")
        yield lines


# --- Step 3: writing ---------------------------------------------------------------------------


_COPY_UNESCAPES = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}


def _from_copy_text(value: str) -> str | None:
    if value == NULL:
        return None
    if "\\" not in value:
        return value
    return re.sub(r"\\[\\tnr]", lambda match: _COPY_UNESCAPES[match.group()], value)


def _result_from_line(line: str) -> Result:
    """A model instance from a COPY line (the portable path: SQLite in the demo and tests)."""
    values = [_from_copy_text(value) for value in line.rstrip("\n").split("\t")]
    round_id, unit_id, cell, measure, key, item_id, dimension, hidden, *figures = values
    n, mean, sd, low, high, favourable, distribution = figures
    return Result(
        round_id=int(round_id),
        unit_id=int(unit_id),
        cell=cell,
        measure=measure,
        key=key,
        item_id=None if item_id is None else int(item_id),
        dimension=dimension,
        hidden=hidden == "t",
        n=None if n is None else int(n),
        mean=None if mean is None else float(mean),
        sd=None if sd is None else float(sd),
        ci_low=None if low is None else float(low),
        ci_high=None if high is None else float(high),
        favourable=None if favourable is None else float(favourable),
        distribution=None if distribution is None else json.loads(distribution),
    )


class _Digest:
    """The rows' digest and number, taken as they are written. compute_rows builds them in a
    fixed order from exact integers, so the same inputs give the same digest."""

    def __init__(self, batches: Iterable[Sequence[str]]) -> None:
        self._batches = batches
        self._sha = hashlib.sha256()
        self.rows = 0

    def __iter__(self) -> Iterator[Sequence[str]]:
        for batch in self._batches:
            for row in batch:
                self._sha.update(row.encode())
            self.rows += len(batch)
            yield batch

    @property
    def hexdigest(self) -> str:
        return self._sha.hexdigest()[:16]


def _insert(batches: Iterable[Sequence[str]]) -> None:
    """Insert the rows: by COPY on PostgreSQL, a batch per write so that the server stores one
    measure while the next is computed; through the ORM elsewhere (SQLite in the demo and
    tests), from the same lines."""
    if connection.vendor == "postgresql":
        columns = ", ".join(
            connection.ops.quote_name(Result._meta.get_field(name).column)
            for name in ("round", *ROW_COLUMNS)
        )
        copy_sql = f"COPY {_table(Result)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
            for batch in batches:
                copy.write("".join(batch))
        return
    Result.objects.bulk_create(
        (_result_from_line(row) for batch in batches for row in batch), batch_size=2000
    )


def answers_fingerprint(survey_round: SurveyRound, answers: int) -> str:
    """What the rows were computed from, apart from their own digest."""
    return f"{ALGORITHM}:k{survey_round.min_group_size}:a{answers}"


@dataclass(frozen=True)
class AggregationOutcome:
    round_id: int
    written: bool  # False: the same rows were already there
    version: int
    rows: int


def write_rows(
    survey_round: SurveyRound, rows: Iterable[Sequence[str]], *, answers: int
) -> AggregationOutcome:
    """Replace the round's rows (batches of COPY lines, as compute_rows yields them) in one
    transaction, unless the same rows are there already. The rows are written as they come and
    their digest is known only after the last one: when it matches, the transaction is rolled
    back, leaving the rows and the version as they were."""
    with transaction.atomic():
        locked = SurveyRound.objects.select_for_update().get(pk=survey_round.pk)
        if locked.status != SurveyRound.Status.CLOSED:
            raise ValidationError("Only a closed round is aggregated.")
        Result.objects.filter(round=locked).delete()
        digest = _Digest(rows)
        _insert(digest)
        fingerprint = f"{answers_fingerprint(survey_round, answers)}:{digest.hexdigest}"
        if locked.results_fingerprint == fingerprint and locked.results_version:
            transaction.set_rollback(True)
            return AggregationOutcome(locked.pk, False, locked.results_version, digest.rows)
        locked.results_version += 1
        locked.results_fingerprint = fingerprint
        locked.results_computed_at = timezone.now()
        locked.save(update_fields=["results_version", "results_fingerprint", "results_computed_at"])
        return AggregationOutcome(locked.pk, True, locked.results_version, digest.rows)


def aggregate_round(*, round_id: int, own: Vectors | None = None) -> AggregationOutcome:
    """Aggregate a closed round (all in one process; `own` when the parts were computed by a
    split aggregation). Refuses an open round: its figures would move with each answer."""
    survey_round = SurveyRound.objects.select_related("questionnaire").get(pk=round_id)
    if survey_round.status != SurveyRound.Status.CLOSED:
        raise ValidationError("Only a closed round is aggregated.")
    if survey_round.raw_answers_deleted_at is not None:
        # The raw answers are gone; the rows computed before stay as they are.
        return AggregationOutcome(round_id, False, survey_round.results_version, 0)
    if own is None:
        ensure_round_scored(round_id=round_id)
        own = own_vectors(survey_round)
    answers = sum(vectors.get(ANSWERS_KEY, [0])[0] for vectors in own.values())
    parents = round_units(survey_round, own.keys())
    rows = compute_rows(survey_round, own, parents)
    return write_rows(survey_round, rows, answers=answers)


def split_parts(survey_round: SurveyRound, parts: int) -> list[Part]:
    """Split the round into at most `parts` parts of similar size (by responses) for a split
    aggregation. The largest subtrees are opened from the scope down until there are enough
    pieces to share out; the units opened keep their own answers, in the first part."""
    if parts < 1:
        raise ValueError("at least one part")
    scope_path = OrgUnit.objects.values_list("path", flat=True).get(pk=survey_round.scope_id)
    paths = dict(OrgUnit.objects.filter(path__startswith=scope_path).values_list("path", "pk"))
    responses = dict(
        Response.objects.filter(round=survey_round)
        .values_list("unit_id")
        .annotate(count=Count("pk"))
        .values_list("unit_id", "count")
    )
    step = OrgUnit.steplen
    size: dict[str, int] = dict.fromkeys(paths, 0)
    children: dict[str, list[str]] = {path: [] for path in paths}
    for path, pk in paths.items():
        if path != scope_path and path[:-step] in children:
            children[path[:-step]].append(path)
        for end in range(len(scope_path), len(path) + 1, step):
            if path[:end] in size:
                size[path[:end]] += responses.get(pk, 0)
    frontier = [scope_path]
    opened: list[int] = []
    while len(frontier) < 2 * parts:
        openable = [path for path in frontier if any(size[c] for c in children[path])]
        if not openable:
            break
        largest = max(openable, key=lambda path: (size[path], path))
        frontier.remove(largest)
        opened.append(paths[largest])
        frontier += [child for child in children[largest] if size[child]]
    bins: list[list[str]] = [[] for _ in range(parts)]
    loads = [0] * parts
    for path in sorted(frontier, key=lambda path: (-size[path], path)):
        lightest = loads.index(min(loads))
        bins[lightest].append(path)
        loads[lightest] += size[path]
    result = [Part(tuple(sorted(paths_in_bin))) for paths_in_bin in bins if paths_in_bin]
    if opened:
        first = result[0] if result else Part()
        result[:1] = [Part(first.subtrees, tuple(sorted(opened)))]
    return result


def merge_vectors(parts: Iterable[Mapping]) -> Vectors:
    """The own vectors of a split aggregation, from its parts' results (JSON: unit ids are
    strings there). Parts never share a unit, so nothing is added twice."""
    merged: Vectors = {}
    for part in parts:
        for unit_id, vectors in part.items():
            if int(unit_id) in merged:
                raise ValueError(f"unit {unit_id} is in two parts")
            merged[int(unit_id)] = {key: list(vector) for key, vector in vectors.items()}
    return merged


# --- Reconciling -------------------------------------------------------------------------------


def rounds_needing_results() -> list[int]:
    """Closed rounds whose results are missing or stale: never aggregated, computed by another
    algorithm or k, or with a different number of answers than now (a late answer that
    committed after the close). Rounds whose raw answers are deleted keep what they have."""
    candidates = SurveyRound.objects.filter(
        status=SurveyRound.Status.CLOSED, raw_answers_deleted_at__isnull=True
    )
    stale: list[int] = []
    for survey_round in candidates.only(
        "pk", "min_group_size", "results_version", "results_fingerprint"
    ):
        answers = Answer.objects.filter(round_id=survey_round.pk).count()
        expected = answers_fingerprint(survey_round, answers) + ":"
        if not survey_round.results_version or not survey_round.results_fingerprint.startswith(
            expected
        ):
            stale.append(survey_round.pk)
    return stale
