"""Data for the results benchmarks (bench/aggregate.py, bench/heatmap_load.py): an organisation
tree from the demo builder, a 30-item questionnaire and a closed round whose responses and
answers are loaded with PostgreSQL's COPY.

Not a benchmark itself (bench/run.py skips names starting with an underscore). Django must be
set up (`setup_django`) before any other function here is called.

The answers are drawn as socialkapital/demo.py draws them: every unit has a latent level per
dimension, its parent's plus a deviation that is largest for workplaces; a respondent's view
differs from their unit's, each answer from the view, and about 4% are "don't know".
Respondents are spread over the units in proportion to the employees whose home unit it is.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

TREE_EMPLOYEES = 45_000
TREE_DEPTH = 6
# build_demo gives about four units per workplace at depth 6 (half the workplaces have teams,
# half of those teams have sub-teams): 156 workplaces make 610 units with the seed below.
TREE_WORKPLACES = 156
TREE_SEED = 2024
BENCH_QUESTIONNAIRE = "Benchmark – 30 items"
# Four items beyond the 26 of the default questionnaire, spread over the dimensions.
EXTRA_ITEMS = (
    ("BENCH-VT", "vertical_trust", False),
    ("BENCH-JU", "justice", True),
    ("BENCH-BR", "bridging", False),
    ("BENCH-CT", "core_task", False),
)
COPY_CHUNK = 20_000  # responses whose answers are written to COPY in one piece


def setup_django(*, database_url: str, secret_key: str, redis_url: str | None = None) -> None:
    """Production-like settings (DEBUG off: with DEBUG on Django keeps every query)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["SECRET_KEY"] = secret_key
    os.environ.pop("DEBUG", None)
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


@dataclass(frozen=True)
class Tree:
    root_id: int
    units: int
    depth: int
    workplaces: int
    employees: int
    seconds: float


def build_tree(
    *, employees: int = TREE_EMPLOYEES, workplaces: int = TREE_WORKPLACES, seed: int = TREE_SEED
) -> Tree:
    from organisation.demo import ROOT_EXTERNAL_ID, build_demo
    from organisation.models import OrgUnit

    started = time.perf_counter()
    summary = build_demo(
        employees=employees, workplaces=workplaces, depth=TREE_DEPTH, seed=seed, with_logins=False
    )
    root = OrgUnit.objects.get(external_id=ROOT_EXTERNAL_ID)
    return Tree(
        root_id=root.pk,
        units=summary.units,
        depth=summary.depth,
        workplaces=summary.workplaces,
        employees=summary.employees,
        seconds=time.perf_counter() - started,
    )


def questionnaire_30() -> int:
    """A questionnaire of the default one's 26 items and four more: 30 items."""
    from socialkapital.demo import QUESTIONNAIRE_NAME, QUESTIONNAIRE_VERSION
    from socialkapital.models import Item, Questionnaire, QuestionnaireItem

    existing = Questionnaire.objects.filter(name=BENCH_QUESTIONNAIRE).first()
    if existing is not None:
        return existing.pk
    default = Questionnaire.objects.get(name=QUESTIONNAIRE_NAME, version=QUESTIONNAIRE_VERSION)
    items = [entry.item for entry in default.entries.select_related("item").order_by("position")]
    for code, dimension, reverse in EXTRA_ITEMS:
        item, _ = Item.objects.get_or_create(
            code=code,
            defaults={
                "dimension": dimension,
                "text_da": f"Benchmark-udsagn {code}",
                "text_en": f"Benchmark statement {code}",
                "reverse_scored": reverse,
            },
        )
        items.append(item)
    questionnaire = Questionnaire.objects.create(name=BENCH_QUESTIONNAIRE, version=1)
    QuestionnaireItem.objects.bulk_create(
        [
            QuestionnaireItem(questionnaire=questionnaire, item=item, position=position)
            for position, item in enumerate(items, start=1)
        ]
    )
    return questionnaire.pk


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), so the parts sum exactly."""
    weight_sum = sum(weights)
    if total <= 0 or not weight_sum:
        return [0] * len(weights)
    shares = [total * weight / weight_sum for weight in weights]
    counts = [int(share) for share in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: shares[i] - counts[i], reverse=True)
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


def respondents_per_unit(root_id: int, respondents: int) -> dict[int, int]:
    """Respondents spread over the units of the tree as its employees are (home units)."""
    from django.db.models import Count

    from organisation.models import OrgUnit, User

    root_path = OrgUnit.objects.values_list("path", flat=True).get(pk=root_id)
    staff = dict(
        User.objects.filter(home_unit__path__startswith=root_path)
        .values_list("home_unit_id")
        .annotate(n=Count("pk"))
        .values_list("home_unit_id", "n")
    )
    units = sorted(staff)
    counts = apportion(respondents, [staff[unit] for unit in units])
    return {unit: count for unit, count in zip(units, counts, strict=True) if count}


def unit_levels(root_id: int, rng: random.Random) -> dict[int, dict[str, float]]:
    """Each unit's latent level per dimension, as socialkapital/demo.py plans them."""
    from organisation.models import OrgUnit
    from socialkapital.demo import BASE_LEVEL, LEVEL_SPREAD

    root_path = OrgUnit.objects.values_list("path", flat=True).get(pk=root_id)
    levels: dict[int, dict[str, float]] = {}
    by_path: dict[str, int] = {}
    rows = OrgUnit.objects.filter(path__startswith=root_path).order_by("path")
    for pk, path, kind in rows.values_list("pk", "path", "kind"):
        by_path[path] = pk
        parent = by_path.get(path[: -OrgUnit.steplen])
        if parent is None:
            levels[pk] = dict(BASE_LEVEL)
            continue
        spread = LEVEL_SPREAD.get(kind, 0.15)
        common = rng.gauss(0, spread)
        levels[pk] = {
            dimension: level + common + rng.gauss(0, spread / 2)
            for dimension, level in levels[parent].items()
        }
    return levels


@dataclass(frozen=True)
class LoadedRound:
    round_id: int
    responses: int
    answers: int
    units_with_responses: int
    seconds: float
    scoring_seconds: float


def closed_round(
    *, root_id: int, questionnaire_id: int, respondents: int, seed: int, k: int = 5
) -> LoadedRound:
    """A closed round over the tree with `respondents` responses of every item of the
    questionnaire, loaded with COPY, then ANALYZE."""
    from django.db import connection, transaction
    from django.utils import timezone

    from socialkapital.models import SurveyRound

    started = time.perf_counter()
    rng = random.Random(f"bench-results-{seed}")
    now = timezone.now()
    with transaction.atomic():
        survey = SurveyRound.objects.create(
            name=f"Benchmark {respondents} respondents",
            questionnaire_id=questionnaire_id,
            scope_id=root_id,
            opens_at=now - timedelta(days=30),
            closes_at=now - timedelta(days=9),
            min_group_size=k,
            min_group_size_agreed_by="Benchmark",
            status=SurveyRound.Status.CLOSED,
            opened_at=now - timedelta(days=30),
            closed_at=now - timedelta(days=9),
        )
        per_unit = respondents_per_unit(root_id, respondents)
        levels = unit_levels(root_id, rng)
        answers = _copy_responses(survey, per_unit, levels, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    scoring_seconds = score_round(survey.pk)
    return LoadedRound(
        round_id=survey.pk,
        responses=sum(per_unit.values()),
        answers=answers,
        units_with_responses=len(per_unit),
        seconds=time.perf_counter() - started,
        scoring_seconds=scoring_seconds,
    )


def score_round(round_id: int) -> float:
    """Let the product check the scores (services/scoring.py rescores a round whose scores do
    not match its responses); then ANALYZE again."""
    from django.db import connection

    try:
        from socialkapital.services.scoring import ensure_round_scored
    except ImportError:  # an aggregation that scores nothing ahead
        return 0.0
    started = time.perf_counter()
    ensure_round_scored(round_id=round_id)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def _copy_responses(
    survey: object,
    per_unit: dict[int, int],
    levels: dict[int, dict[str, float]],
    rng: random.Random,
) -> int:
    """COPY the responses, their answers and their scores. Submissions arrive from all units in
    turn, so the responses are shuffled across units; a response's answers stay together.
    The scores are those submitting stores (services/scoring.py), computed here from the
    values just drawn instead of by grouping 1.35 M (or 15 M) answers again; `score_round`
    checks that the product finds them complete."""
    from django.db import connection

    from socialkapital.demo import ANSWER_NOISE, DONT_KNOW_SHARE, RESPONDENT_SPREAD
    from socialkapital.models import Answer, Response, ResponseScore

    items = list(
        survey.questionnaire.entries.order_by("position").values_list(  # type: ignore[attr-defined]
            "item_id", "item__dimension", "item__reverse_scored"
        )
    )
    units = [unit for unit, count in per_unit.items() for _ in range(count)]
    rng.shuffle(units)
    round_id = survey.pk  # type: ignore[attr-defined]
    response_table = connection.ops.quote_name(Response._meta.db_table)
    answer_table = connection.ops.quote_name(Answer._meta.db_table)
    score_table = connection.ops.quote_name(ResponseScore._meta.db_table)
    asked: dict[str, int] = {}
    for _item_id, dimension, _reverse in items:
        asked[dimension] = asked.get(dimension, 0) + 1
    dimensions = list(asked)
    gauss, uniform, bits = rng.gauss, rng.random, rng.getrandbits
    answers = 0
    score_lines: list[str] = []
    connection.ensure_connection()
    raw = connection.connection  # psycopg 3: Django's underlying connection
    with raw.cursor() as cursor, _bulk_load(cursor, Answer._meta.db_table):
        for chunk in _chunks(units, COPY_CHUNK):
            response_lines: list[str] = []
            answer_lines: list[str] = []
            for unit in chunk:
                response_id = str(uuid.UUID(int=bits(128), version=4))
                response_lines.append(f"{response_id}\t{round_id}\t{unit}\n")
                unit_levels_ = levels[unit]
                view = gauss(0, RESPONDENT_SPREAD)
                prefix = f"{response_id}\t{round_id}\t{unit}\t"
                points = dict.fromkeys(dimensions, 0)
                answered = dict.fromkeys(dimensions, 0)
                for item_id, dimension, reverse in items:
                    if uniform() < DONT_KNOW_SHARE:
                        value = 0
                    else:
                        value = round(unit_levels_[dimension] + view + gauss(0, ANSWER_NOISE))
                        value = 5 if value > 5 else 1 if value < 1 else value
                        if reverse:
                            value = 6 - value
                        points[dimension] += 5 - value if reverse else value - 1
                        answered[dimension] += 1
                    answer_lines.append(f"{prefix}{item_id}\t{value}\n")
                score_lines += _score_lines(round_id, unit, points, answered, asked)
            with cursor.copy(f"COPY {response_table} (id, round_id, unit_id) FROM STDIN") as copy:
                copy.write("".join(response_lines))
            columns = "(response_id, round_id, unit_id, item_id, value)"
            with cursor.copy(f"COPY {answer_table} {columns} FROM STDIN") as copy:
                copy.write("".join(answer_lines))
            answers += len(answer_lines)
        columns = "(round_id, unit_id, dimension, score)"
        with cursor.copy(f"COPY {score_table} {columns} FROM STDIN") as copy:
            for start in range(0, len(score_lines), 100_000):
                copy.write("".join(score_lines[start : start + 100_000]))
    return answers


def _score_lines(
    round_id: int,
    unit: int,
    points: dict[str, int],
    answered: dict[str, int],
    asked: dict[str, int],
) -> list[str]:
    """One respondent's ResponseScore rows, with services/scoring.py's integer arithmetic: a
    dimension score (hundredths) when at least half its items are answered, the index (always
    a row; empty when fewer than half the dimensions have a score)."""
    lines = []
    scores = []
    for dimension, count in answered.items():
        if count and 2 * count >= asked[dimension]:
            score = (5000 * points[dimension] + count) // (2 * count)
            scores.append(score)
            lines.append(f"{round_id}\t{unit}\t{dimension}\t{score}\n")
    index = "\\N"
    if 2 * len(scores) >= len(asked):
        index = str((2 * sum(scores) + len(scores)) // (2 * len(scores)))
    lines.append(f"{round_id}\t{unit}\t\t{index}\n")
    return lines


@contextlib.contextmanager
def _bulk_load(cursor: Any, table: str) -> Iterator[None]:
    """What a bulk loader does: the foreign-key triggers off for this session (the rows are
    made from the tables they refer to), and the answer table's secondary indexes and unique
    constraints dropped during the load and built again after it, in one pass each."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'u'",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname "
        "AND c.conrelid = %s::regclass)",
        [table, table],
    )
    indexes = cursor.fetchall()
    quoted = f'"{table}"'
    for name, _definition in constraints:
        cursor.execute(f'ALTER TABLE {quoted} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {quoted} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("RESET maintenance_work_mem")


def _chunks(values: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def reset_results(round_id: int) -> None:
    """Forget the round's results, so that the next aggregation really writes."""
    from socialkapital.models import Result, SurveyRound

    Result.objects.filter(round_id=round_id).delete()
    SurveyRound.objects.filter(pk=round_id).update(
        results_version=0, results_fingerprint="", results_computed_at=None
    )
