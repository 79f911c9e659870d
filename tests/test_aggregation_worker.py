"""Aggregation on real Celery workers (socialkapital/tasks/results.py): the same rows as in
process, nothing partial when a worker is killed mid-write and the reconciler repairs it, and
the same rows when the task runs twice at the same time.

These tests need PostgreSQL (a worker process cannot see pytest's SQLite database) and Redis.
Without them they are skipped; with REQUIRE_SERVICES=1 (CI's PostgreSQL run) they fail instead.
The worker connects to pytest's test database; the tests use committed transactions
(`transaction=True`) so that the worker sees their data. Every wait is bounded, and every
worker is stopped in a `finally`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from socialkapital.models import Item, Result, SurveyRound
from socialkapital.services.aggregation import aggregate_round
from socialkapital.tasks import results as tasks
from tests.conftest import need_service
from tests.factories import add_responses, closed_round

BASE_DIR = Path(__file__).resolve().parent.parent
TIMEOUT_SECONDS = 60

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

SNAPSHOT_FIELDS = (
    "unit_id",
    "cell",
    "key",
    "hidden",
    "n",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "favourable",
    "distribution",
)


@pytest.fixture(autouse=True)
def services() -> None:
    if not settings.REDIS_URL:
        need_service("no Redis: set REDIS_URL to run a real Celery worker")
    if connection.vendor != "postgresql":
        need_service("no PostgreSQL: a worker process cannot share pytest's SQLite database")
    assert not settings.CELERY_TASK_ALWAYS_EAGER


# --- Data -------------------------------------------------------------------------------------


def mixed(index: int, item: Item) -> int:
    """Answers that differ between respondents and items, with some "don't know"."""
    return (index * 7 + item.pk * 3) % 6


@pytest.fixture
def answered(org: SimpleNamespace) -> SurveyRound:
    """A closed round with k = 3: a workplace above k, one below it (suppressed, and its
    sibling with it), the area leader's own response, and a team above k elsewhere."""
    survey = closed_round(org.root, k=3)
    add_responses(survey, org.solsikken, 6, value=mixed)
    add_responses(survey, org.maelkeboetten, 2, value=mixed)
    add_responses(survey, org.nord, 1, value=mixed)
    add_responses(survey, org.group, 5, value=mixed)
    return survey


def snapshot(survey_round: SurveyRound) -> list[tuple]:
    rows = Result.objects.filter(round=survey_round).values_list(*SNAPSHOT_FIELDS)
    return sorted(rows, key=repr)


def reset(survey_round: SurveyRound) -> None:
    Result.objects.filter(round=survey_round).delete()
    SurveyRound.objects.filter(pk=survey_round.pk).update(
        results_version=0, results_fingerprint="", results_computed_at=None
    )


def in_process_snapshot(survey_round: SurveyRound) -> list[tuple]:
    """The rows a clean in-process aggregation writes for the same data."""
    reset(survey_round)
    aggregate_round(round_id=survey_round.pk)
    return snapshot(survey_round)


def version(survey_round: SurveyRound) -> int:
    return SurveyRound.objects.values_list("results_version", flat=True).get(pk=survey_round.pk)


# --- Workers ----------------------------------------------------------------------------------


def _queue() -> str:
    # A queue of its own, so parallel runs on the same Redis never take each other's tasks.
    return f"{settings.CELERY_TASK_DEFAULT_QUEUE}-aggregation-{uuid.uuid4().hex[:12]}"


def _worker_env(queue: str, **extra: str) -> dict[str, str]:
    """The worker talks to the database pytest-django created, not the one DATABASE_URL names;
    its default queue is the test's, so what it enqueues itself (a chord's parts, the
    reconciler's rounds) stays there too."""
    test_database = connection.settings_dict["NAME"]
    database_url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{test_database}")
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url.geturl(),
        # No pooled connection outlives a task, so nothing blocks dropping the test database.
        DATABASE_CONN_MAX_AGE="0",
        CELERY_QUEUE=queue,
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


class Workers:
    """Real `celery worker` processes (prefork, one pool process each), each in a process group
    of its own so that a kill takes its pool process with it."""

    def __init__(self, queue: str, logs: Path) -> None:
        self.queue = queue
        self.logs = logs
        self.processes: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, **env: str) -> subprocess.Popen[bytes]:
        log = self.logs / f"worker{len(self.processes)}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--concurrency=1",
                    "-Q",
                    self.queue,
                    "-n",
                    f"aggregation{len(self.processes)}-{uuid.uuid4().hex[:6]}@%h",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                    "-l",
                    "INFO",
                ],
                env=_worker_env(self.queue, **env),
                cwd=BASE_DIR,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append((process, log))
        wait_for(lambda: " ready." in log.read_text(errors="replace"), "the worker to start", self)
        return process

    def text(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}"
            for _process, log in self.processes
        )

    def check_alive(self) -> None:
        for process, log in self.processes:
            if process.poll() is not None and not getattr(process, "killed_on_purpose", False):
                pytest.fail(f"a worker exited early:\n{log.read_text(errors='replace')}")

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        process.killed_on_purpose = True  # type: ignore[attr-defined]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=TIMEOUT_SECONDS)

    def stop_all(self) -> None:
        for process, _log in self.processes:
            if process.poll() is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)  # warm shutdown
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=20)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    queue = _queue()
    pool = Workers(queue, tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()
        _forget_unacked(queue)


def _forget_unacked(queue: str) -> None:
    """A killed worker leaves its message in kombu's `unacked` hash, which another worker on the
    same Redis would restore after the visibility timeout; remove ours from a shared Redis."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    for tag, payload in client.hgetall("unacked").items():
        with contextlib.suppress(ValueError, TypeError, IndexError):
            if json.loads(payload)[2] == queue:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
    client.delete(queue)


def wait_for(condition: Callable[[], bool], what: str, pool: Workers | None = None) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while not condition():
        if pool is not None:
            pool.check_alive()
        if time.monotonic() > deadline:
            logs = pool.text() if pool is not None else ""
            pytest.fail(f"waited {TIMEOUT_SECONDS}s for {what}:\n{logs}")
        time.sleep(0.1)


def task_result(result: Any, pool: Workers) -> dict:
    try:
        wait_for(result.ready, "the task's result", pool)
        return result.get(timeout=5)
    finally:
        result.forget()  # leave nothing behind in a Redis that others share


# --- A second connection that holds locks -----------------------------------------------------


@contextlib.contextmanager
def locked(sql: str, params: list[object]) -> Iterator[Any]:
    """A separate PostgreSQL connection holding the row locks `sql` takes until the block
    ends (then rolled back), so a worker's transaction waits at a known point."""
    import psycopg

    config = connection.settings_dict
    holder = psycopg.connect(
        dbname=config["NAME"],
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        autocommit=False,
    )
    try:
        holder.execute(sql, params)
        yield holder
    finally:
        holder.rollback()
        holder.close()


def backends_waiting_on_a_lock() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        return [pid for (pid,) in cursor.fetchall()]


def backend_exists(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


# --- The tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("split", [False, True], ids=["one task", "split into a chord"])
def test_a_real_worker_writes_the_same_rows_as_an_in_process_aggregation(
    answered: SurveyRound, workers: Workers, split: bool
) -> None:
    expected = in_process_snapshot(answered)
    reset(answered)
    # Split: every round is big enough, in two parts, so the chord and its callback run.
    workers.start(**({"RESULTS_SPLIT_AT_RESPONSES": "1", "RESULTS_PARTS": "2"} if split else {}))

    outcome = task_result(
        tasks.aggregate_round.apply_async(args=[answered.pk], queue=workers.queue), workers
    )
    if split:
        assert outcome["parts"] == 2
        wait_for(lambda: version(answered) > 0, "the chord's callback to write", workers)
    else:
        assert outcome["written"] is True

    assert expected  # the data gives rows, hidden and shown
    assert {row[3] for row in expected} == {True, False}
    assert snapshot(answered) == expected
    assert version(answered) == 1


def test_a_worker_killed_mid_write_leaves_the_old_rows_and_the_reconciler_repairs_them(
    org: SimpleNamespace, answered: SurveyRound, workers: Workers
) -> None:
    aggregate_round(round_id=answered.pk)
    old_rows = snapshot(answered)
    old_fingerprint = SurveyRound.objects.get(pk=answered.pk).results_fingerprint
    # A late answer makes the results stale: the round must be aggregated again.
    add_responses(answered, org.group, 3, value=mixed)
    worker = workers.start()

    # While the test holds the last of the old rows FOR UPDATE, the worker's DELETE of the old
    # rows waits for it, with the rows before it already deleted in its transaction: it is
    # killed in the middle of replacing them.
    last = Result.objects.filter(round=answered).order_by("-pk").values_list("pk", flat=True)[0]
    with locked("SELECT id FROM socialkapital_result WHERE id = %s FOR UPDATE", [last]):
        result = tasks.aggregate_round.apply_async(args=[answered.pk], queue=workers.queue)
        wait_for(lambda: bool(backends_waiting_on_a_lock()), "the worker to wait", workers)
        (backend,) = backends_waiting_on_a_lock()
        workers.kill(worker)
    # Released: the killed worker's backend finds its client gone and rolls back.
    wait_for(lambda: not backend_exists(backend), "the killed worker's transaction to end")
    result.forget()

    assert snapshot(answered) == old_rows
    assert version(answered) == 1
    assert SurveyRound.objects.get(pk=answered.pk).results_fingerprint == old_fingerprint

    workers.start()
    reconciled = task_result(tasks.reconcile_results.apply_async(queue=workers.queue), workers)
    assert reconciled["enqueued"] == [answered.pk]
    wait_for(lambda: version(answered) == 2, "the reconciled aggregation", workers)
    repaired = snapshot(answered)

    assert repaired != old_rows
    assert repaired == in_process_snapshot(answered)


def _run_twice_at_once(survey_round: SurveyRound, workers: Workers) -> list[dict]:
    """Two workers, two enqueues, both held at the round's lock until both wait there (or at
    the first statement that needs it), then released together."""
    workers.start()
    workers.start()
    with locked(
        "SELECT id FROM socialkapital_surveyround WHERE id = %s FOR UPDATE", [survey_round.pk]
    ):
        results = [
            tasks.aggregate_round.apply_async(args=[survey_round.pk], queue=workers.queue)
            for _ in range(2)
        ]
        wait_for(lambda: len(backends_waiting_on_a_lock()) == 2, "both workers to wait", workers)
    return [task_result(result, workers) for result in results]


def test_the_task_run_twice_at_once_writes_the_rows_once(
    answered: SurveyRound, workers: Workers
) -> None:
    from socialkapital.services.scoring import ensure_round_scored

    ensure_round_scored(round_id=answered.pk)  # as submitting does, one response at a time

    outcomes = _run_twice_at_once(answered, workers)

    assert sorted(outcome["written"] for outcome in outcomes) == [False, True]
    assert [outcome["version"] for outcome in outcomes] == [1, 1]
    assert version(answered) == 1
    rows = snapshot(answered)
    assert rows == in_process_snapshot(answered)


def test_the_task_run_twice_at_once_on_an_unscored_round_writes_the_same_rows(
    org: SimpleNamespace, answered: SurveyRound, workers: Workers
) -> None:
    outcomes = _run_twice_at_once(answered, workers)
    workers_rows = snapshot(answered)

    # The workplace with two responses (k = 3) stays hidden on every measure.
    below_k = Result.objects.filter(round=answered, unit=org.maelkeboetten)
    assert below_k.exists()
    assert not below_k.filter(hidden=False).exists()
    assert version(answered) == max(outcome["version"] for outcome in outcomes)
    assert workers_rows == in_process_snapshot(answered)
