"""Benchmark: aggregating a closed round into result rows, on PostgreSQL.

DESIGN.md's target: a round of 45,000 respondents x 30 items (1.35 M answers) over ~600 units
six levels deep is aggregated (grouped SQL, roll-up, suppression and the write) within 2.5x of
ONE SQL statement computing count, sum, sum of squares and answer counts per unit and item over
the same answers, in under 3 s, with a peak memory under 300 MB. National scale (500,000
respondents) is measured too, split per subtree into Celery tasks on two real workers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/aggregate.py

DATABASE_URL names the server (default: the local one); the benchmark creates a database of its
own (`kerneopgaver_bench_aggregate_<pid>`, and `..._national_<pid>` for the national part) and
drops it afterwards. Without a reachable PostgreSQL it prints a `skipped` RESULT line (exit 0).

Environment:
- BENCH_NATIONAL=0 skips the national part (which needs Redis: REDIS_URL, default
  redis://127.0.0.1:6379/7; without a reachable Redis the national part is reported skipped).
- BENCH_NATIONAL_RESPONDENTS (default 500,000) scales the national part down.
- BENCH_PROFILE=1 prints a cProfile of one aggregation (by own time).
- RESULTS_SPLIT_AT_RESPONSES / RESULTS_PARTS are handed to the workers and the enqueuing process
  (defaults: split when the national round has at least min(100,000, its responses); 8 parts).

What it does:
1. Builds the demo organisation (organisation.demo.build_demo: 45,000 employees, depth 6, ~600
   units), a 30-item questionnaire and a closed round with k = 5 whose 45,000 responses and
   1.35 M answers are COPYed in (bench/_results_data.py), then ANALYZE.
2. Warms up, then measures three times each, alternating: the baseline statement (fetched
   completely) and `aggregate_round` after resetting the round's results (so it really writes).
   Medians count. The aggregation's split (own_vectors: its two statements; roll-up and
   suppression: compute_rows; write_rows) is timed once more, separately.
3. Runs the aggregation once in a fresh process (this file with --aggregate-once) and reports
   its ru_maxrss.
4. National: this file with --national in a process of its own (its own database, Redis
   settings read at start): builds a tree with ten times the workplaces, a closed round of
   BENCH_NATIONAL_RESPONDENTS, starts two `celery -A config worker` processes (concurrency 1,
   a queue of their own) and times `aggregate_round.delay` until the round's results_version
   moves; the peak memory is the largest VmHWM of the worker processes and their pool children.

Prints `name: value` lines and, last, `RESULT name=aggregate ... ok=yes|no` for bench/run.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import _postgres
import _results_data as data

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
REPEATS = 3
NATIONAL_WORKERS = 2
NATIONAL_WORKPLACES = 10 * data.TREE_WORKPLACES
# Respondents are spread over the national tree as its employees are; 100,000 employees give
# that spread (a few per team and more in the big workplaces) without building 500,000 users.
NATIONAL_TREE_EMPLOYEES = 100_000
NATIONAL_TIMEOUT_SECONDS = 600.0
WORKER_START_SECONDS = 60.0

TARGET_RATIO = 2.5
TARGET_SECONDS = 3.0
TARGET_PEAK_MB = 300.0


def env_int(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise SystemExit(f"{name} must be a whole number of at least {minimum}; got {raw!r}.")
    return int(raw)


def maxrss_mb() -> float:
    """This process's peak resident memory in MB: VmHWM of its own memory map. ru_maxrss would
    do too, but Linux carries the parent's peak across fork and exec into it, so a child of the
    big benchmark process would report the parent's figure."""
    peak = high_water_mb(os.getpid())
    return peak or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


# --- The 45,000-respondent round ------------------------------------------------------------


BASELINE_SQL = """
    SELECT a.unit_id, a.item_id, COUNT(*), SUM(a.value), SUM(a.value * a.value),
           {counts}
    FROM {table} a
    WHERE a.round_id = %s
    GROUP BY a.unit_id, a.item_id
"""


def baseline(round_id: int) -> tuple[float, int]:
    """One statement: count, sum, sum of squares and answer counts (0..5) per unit and item."""
    from django.db import connection

    from socialkapital.models import Answer

    counts = ", ".join(f"SUM(CASE WHEN a.value = {value} THEN 1 ELSE 0 END)" for value in range(6))
    sql = BASELINE_SQL.format(counts=counts, table=connection.ops.quote_name(Answer._meta.db_table))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, [round_id])
        rows = cursor.fetchall()
    return time.perf_counter() - started, len(rows)


def aggregate_once(round_id: int) -> tuple[float, Any]:
    from socialkapital.services.aggregation import aggregate_round

    data.reset_results(round_id)
    started = time.perf_counter()
    outcome = aggregate_round(round_id=round_id)
    seconds = time.perf_counter() - started
    if not outcome.written:
        raise SystemExit("The aggregation wrote nothing after a reset.")
    return seconds, outcome


def split_timing(round_id: int) -> dict[str, float]:
    """The aggregation's steps, each timed on its own (the calls aggregate_round makes)."""
    from socialkapital.models import Answer, SurveyRound
    from socialkapital.services import aggregation

    data.reset_results(round_id)
    survey_round = SurveyRound.objects.select_related("questionnaire").get(pk=round_id)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    own = aggregation.own_vectors(survey_round)
    timings["sql"] = time.perf_counter() - started
    started = time.perf_counter()
    answers = Answer.objects.filter(round_id=round_id).count()
    timings["count"] = time.perf_counter() - started
    started = time.perf_counter()
    parents = aggregation.round_units(survey_round, own.keys())
    # compute_rows yields the rows measure by measure, and aggregate_round writes each batch
    # while the next is computed; here the two are taken apart, so their sum is more than the
    # aggregation spends on them.
    rows = list(aggregation.compute_rows(survey_round, own, parents))
    timings["rollup_suppression"] = time.perf_counter() - started
    started = time.perf_counter()
    aggregation.write_rows(survey_round, rows, answers=answers)
    timings["write"] = time.perf_counter() - started
    return timings


def profile_aggregation(round_id: int) -> None:
    """With BENCH_PROFILE=1: where one aggregation spends its time (the lead optimises by it)."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    data.reset_results(round_id)
    profile.enable()
    aggregate_once(round_id)
    profile.disable()
    pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(15)


def aggregate_in_fresh_process(database_url: str, secret_key: str, round_id: int) -> dict:
    """The aggregation in a process of its own, so its ru_maxrss is the aggregation's peak."""
    from django.db import connections

    connections.close_all()
    data.reset_results(round_id)
    connections.close_all()
    env = {key: value for key, value in os.environ.items() if key != "DEBUG"}
    env.update(DATABASE_URL=database_url, SECRET_KEY=secret_key)
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, __file__, "--aggregate-once", str(round_id)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"The aggregation process failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def aggregate_once_main(round_id: int) -> int:
    data.setup_django(database_url=os.environ["DATABASE_URL"], secret_key=os.environ["SECRET_KEY"])
    before = maxrss_mb()
    from socialkapital.services.aggregation import aggregate_round

    started = time.perf_counter()
    outcome = aggregate_round(round_id=round_id)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "written": outcome.written,
                "rows": outcome.rows,
                "peak_mb": maxrss_mb(),
                "after_setup_mb": before,
            }
        )
    )
    return 0


def measure_local(server: str) -> dict[str, float]:
    figures: dict[str, float] = {}
    secret_key = secrets.token_urlsafe(50)
    with _postgres.temporary_database(server, "kerneopgaver_bench_aggregate") as url:
        data.setup_django(database_url=url, secret_key=secret_key)
        data.migrate()
        tree = data.build_tree()
        print(f"units: {tree.units}")
        print(f"depth: {tree.depth}")
        print(
            f"Built the tree ({tree.workplaces} workplaces, {tree.employees} employees) in "
            f"{tree.seconds:.1f} s.",
            flush=True,
        )
        questionnaire = data.questionnaire_30()
        loaded = data.closed_round(
            root_id=tree.root_id,
            questionnaire_id=questionnaire,
            respondents=data.TREE_EMPLOYEES,
            seed=data.TREE_SEED,
        )
        print(
            f"Loaded {loaded.responses} responses with {loaded.answers} answers at "
            f"{loaded.units_with_responses} units in {loaded.seconds:.1f} s (COPY, ANALYZE; "
            f"responses' scores COPYed as submitting stores them; {loaded.scoring_seconds:.1f} s "
            "for the product's check of them and ANALYZE).",
            flush=True,
        )
        # Warm-up: the answers in the cache and the plans made, as in a running database.
        _, groups = baseline(loaded.round_id)
        aggregate_once(loaded.round_id)
        baselines: list[float] = []
        aggregations: list[float] = []
        rows = 0
        for _ in range(REPEATS):
            seconds, _ = baseline(loaded.round_id)
            baselines.append(seconds)
            seconds, outcome = aggregate_once(loaded.round_id)
            aggregations.append(seconds)
            rows = outcome.rows
        print(
            f"baseline runs (s): {' '.join(f'{s:.3f}' for s in baselines)} ({groups} groups); "
            f"aggregation runs (s): {' '.join(f'{s:.3f}' for s in aggregations)} ({rows} rows)"
        )
        split = split_timing(loaded.round_id)
        for name in ("sql", "count", "rollup_suppression", "write"):
            print(f"aggregate_split_{name}_s: {split[name]:.3f}")
        if os.environ.get("BENCH_PROFILE", "").strip() == "1":
            profile_aggregation(loaded.round_id)
        fresh = aggregate_in_fresh_process(url, secret_key, loaded.round_id)
        print(
            f"fresh process: aggregation {fresh['seconds']:.3f} s, {fresh['rows']} rows, "
            f"{fresh['after_setup_mb']:.0f} MB after Django's setup"
        )
        figures["aggregate_s"] = statistics.median(aggregations)
        figures["aggregate_sql_baseline_s"] = statistics.median(baselines)
        figures["aggregate_peak_mb"] = fresh["peak_mb"]
    return figures


# --- National scale: a split aggregation on real Celery workers -------------------------------


def redis_reachable(url: str) -> bool:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=3)
        return bool(client.ping())
    except Exception:
        return False


def descendants(pid: int) -> list[int]:
    """The process and everything it started, from /proc (Linux)."""
    found = [pid]
    for current in found:
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                with contextlib.suppress(OSError):
                    children = Path(f"/proc/{current}/task/{task}/children").read_text()
                    found += [int(child) for child in children.split()]
    return found


def high_water_mb(pid: int) -> float:
    """The peak resident memory of a process (VmHWM), in MB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def start_worker(env: dict[str, str], queue: str, name: str, log: Path) -> subprocess.Popen:
    with log.open("wb") as output:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--concurrency=1",
                "-Q",
                queue,
                "-n",
                f"{name}@%h",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with its pool children
        )


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def wait_until_ready(workers: list[subprocess.Popen], logs: list[Path]) -> None:
    deadline = time.monotonic() + WORKER_START_SECONDS
    while time.monotonic() < deadline:
        for worker, log in zip(workers, logs, strict=True):
            if worker.poll() is not None:
                raise SystemExit(f"A worker stopped while starting:\n{log.read_text()[-3000:]}")
        if all(" ready." in log.read_text(errors="replace") for log in logs):
            return
        time.sleep(0.2)
    raise SystemExit(f"The workers were not ready within {WORKER_START_SECONDS} s.")


def national_main() -> int:
    """Runs in a process of its own (settings with Redis are read once, at start)."""
    server = os.environ["BENCH_SERVER_URL"]
    respondents = env_int("BENCH_NATIONAL_RESPONDENTS", 500_000, minimum=1000)
    secret_key = secrets.token_urlsafe(50)
    queue = f"bench-aggregate-{uuid.uuid4().hex[:12]}"
    os.environ["CELERY_QUEUE"] = queue
    os.environ.setdefault("RESULTS_SPLIT_AT_RESPONSES", str(min(100_000, respondents)))
    workdir = Path(tempfile.mkdtemp(prefix="bench-aggregate-"))
    workers: list[subprocess.Popen] = []
    result: dict[str, Any] = {}
    try:
        with _postgres.temporary_database(server, "kerneopgaver_bench_national") as url:
            data.setup_django(
                database_url=url, secret_key=secret_key, redis_url=os.environ["REDIS_URL"]
            )
            from django.conf import settings

            data.migrate()
            tree = data.build_tree(
                employees=NATIONAL_TREE_EMPLOYEES, workplaces=NATIONAL_WORKPLACES, seed=7
            )
            questionnaire = data.questionnaire_30()
            loaded = data.closed_round(
                root_id=tree.root_id,
                questionnaire_id=questionnaire,
                respondents=respondents,
                seed=7,
            )
            print(
                f"National: {tree.units} units (depth {tree.depth}) built in {tree.seconds:.1f} s; "
                f"{loaded.responses} responses with {loaded.answers} answers loaded in "
                f"{loaded.seconds:.1f} s; split at {settings.RESULTS_SPLIT_AT_RESPONSES} "
                f"responses into {settings.RESULTS_PARTS} parts on {NATIONAL_WORKERS} workers.",
                flush=True,
            )
            env = {key: value for key, value in os.environ.items() if key != "DEBUG"}
            env.update(
                DATABASE_URL=url,
                SECRET_KEY=secret_key,
                CELERY_QUEUE=queue,
                DATABASE_CONN_MAX_AGE="0",
                PYTHONUNBUFFERED="1",
            )
            logs = [workdir / f"worker{number}.log" for number in range(NATIONAL_WORKERS)]
            from django.db import connections

            connections.close_all()
            for number, log in enumerate(logs):
                workers.append(start_worker(env, queue, f"bench{number}", log))
            wait_until_ready(workers, logs)
            result = time_national(loaded.round_id, workers, logs)
            result.update(units=tree.units, responses=loaded.responses, answers=loaded.answers)
            for worker in workers:
                stop_worker(worker)
    finally:
        for worker in workers:
            stop_worker(worker)
        for path in sorted(workdir.glob("*")):
            path.unlink()
        workdir.rmdir()
    print(json.dumps(result))
    return 0


def time_national(round_id: int, workers: list[subprocess.Popen], logs: list[Path]) -> dict:
    from socialkapital.models import Result, SurveyRound
    from socialkapital.tasks.results import aggregate_round

    started = time.perf_counter()
    task = aggregate_round.delay(round_id)
    deadline = time.monotonic() + NATIONAL_TIMEOUT_SECONDS
    while not SurveyRound.objects.filter(pk=round_id, results_version__gt=0).exists():
        if time.monotonic() > deadline:
            tails = "\n".join(log.read_text(errors="replace")[-2000:] for log in logs)
            raise SystemExit(f"No results within {NATIONAL_TIMEOUT_SECONDS} s:\n{tails}")
        if any(worker.poll() is not None for worker in workers):
            raise SystemExit("A worker stopped during the national aggregation.")
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    peak = max(high_water_mb(pid) for worker in workers for pid in descendants(worker.pid))
    outcome = task.get(timeout=30)
    task.forget()
    return {
        "seconds": seconds,
        "peak_mb": peak,
        "parts": outcome.get("parts", 0),
        "rows": Result.objects.filter(round_id=round_id).count(),
        "parts_run": sum(
            log.read_text(errors="replace").count("aggregate_round_part[") for log in logs
        )
        // 2,  # "received" and "succeeded" lines
    }


def measure_national(server: str) -> dict[str, Any]:
    redis_url = os.environ.get("REDIS_URL", "").strip() or DEFAULT_REDIS_URL
    if urlsplit(redis_url).hostname not in {"127.0.0.1", "localhost", "::1"}:
        print(f"REDIS_URL {redis_url!r} is not on loopback; the national part is skipped.")
        return {}
    if not redis_reachable(redis_url):
        print("No Redis reachable; the national part is skipped.")
        return {}
    env = {key: value for key, value in os.environ.items() if key != "DEBUG"}
    env.update(BENCH_SERVER_URL=server, REDIS_URL=redis_url, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, __file__, "--national"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    last = ""
    for line in process.stdout:
        if line.startswith("{"):
            last = line
        else:
            print(line, end="", flush=True)
    if process.wait(timeout=60) != 0 or not last:
        raise SystemExit("The national part failed.")
    return json.loads(last)


# --- Report -------------------------------------------------------------------------------------


def run_benchmark(server: str) -> int:
    started = time.perf_counter()
    figures = measure_local(server)
    figures["aggregate_ratio"] = figures["aggregate_s"] / figures["aggregate_sql_baseline_s"]
    national: dict[str, Any] = {}
    if os.environ.get("BENCH_NATIONAL", "1").strip() != "0":
        national = measure_national(server)
        if national:
            print(
                f"national: {national['units']} units, {national['responses']} responses, "
                f"{national['answers']} answers, {national['parts']} parts "
                f"({national['parts_run']} part tasks seen in the worker logs), "
                f"{national['rows']} result rows"
            )
    else:
        print("National part skipped (BENCH_NATIONAL=0).")
    ok = (
        figures["aggregate_ratio"] <= TARGET_RATIO
        and figures["aggregate_s"] < TARGET_SECONDS
        and figures["aggregate_peak_mb"] < TARGET_PEAK_MB
    )
    names = ["aggregate_s", "aggregate_sql_baseline_s", "aggregate_ratio", "aggregate_peak_mb"]
    if national:
        figures["aggregate_national_s"] = national["seconds"]
        figures["aggregate_national_peak_mb"] = national["peak_mb"]
        names += ["aggregate_national_s", "aggregate_national_peak_mb"]
    digits = {"aggregate_peak_mb": 0, "aggregate_national_peak_mb": 0, "aggregate_ratio": 2}
    text = {name: f"{figures[name]:.{digits.get(name, 3)}f}" for name in names}
    for name in names:
        print(f"{name}: {text[name]}")
    print(f"total bench time: {time.perf_counter() - started:.0f} s")
    pairs = " ".join(f"{name}={text[name]}" for name in names)
    print(f"RESULT name=aggregate {pairs} ok={'yes' if ok else 'no'}", flush=True)
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aggregate-once", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--national", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.aggregate_once:
        return aggregate_once_main(arguments.aggregate_once)
    if arguments.national:
        return national_main()
    server = _postgres.server_url()
    if server is None:
        print("bench/aggregate.py measures PostgreSQL only; no PostgreSQL server reachable.")
        print("RESULT name=aggregate skipped=no-postgres")
        return 0
    return run_benchmark(server)


if __name__ == "__main__":
    sys.exit(main())
