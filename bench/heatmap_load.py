"""Benchmark: the top leader's results heatmap over ~600 units under load, on gunicorn
(2 workers), PostgreSQL and the Redis cache.

DESIGN.md's target: p95 under 150 ms with 20 concurrent users, and at least half the
throughput of `/healthz/` measured in the same run (these machines are noisy; /healthz/ is the
framework's floor).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/heatmap_load.py

DATABASE_URL names the server (default: the local one); the benchmark creates a database of its
own (`kerneopgaver_bench_heatmap_<pid>`) and drops it afterwards. REDIS_URL (default
redis://127.0.0.1:6379/7, loopback only) is the cache; the keys get a prefix of this run's own
and are deleted afterwards. Without PostgreSQL or Redis it prints a `skipped` RESULT line.

What it does:
1. Builds the ~600-unit demo tree (bench/_results_data.py, as bench/aggregate.py), a closed
   round of BENCH_RESPONDENTS (default 15,000) responses to 30 items, and aggregates it: every
   unit has result rows. The root's leader (a LEADER role on the root) gets a session, made
   directly in the session store as signing in does.
2. Starts `gunicorn config.wsgi -w 2` (the production config) on 127.0.0.1 with REDIS_URL, and
   times one heatmap request with a cold cache (and the next one, warm).
3. Starts the load generator, this file with --loadgen, in a separate process that knows only
   HTTP: 20 virtual users (BENCH_USERS) on keep-alive connections GET
   /socialkapital/?runde=<pk> for BENCH_SECONDS (default 20), then /healthz/ for as long.
   Every heatmap response must be a 200 holding the whole heatmap (a `data-unit` row per unit
   with results), or it counts as an error: the benchmark cannot pass on an error page.

Prints `name: value` lines and, last, `RESULT name=heatmap_load ... ok=yes|no` for bench/run.py.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import _postgres
import _results_data as data
from survey_submissions import HOST, env_int, free_port, percentile, stop

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
HEATMAP_PATH = "/socialkapital/?runde={round_id}"
HEALTHZ_PATH = "/healthz/"
ROW_MARKER = b"<tr data-unit="
REQUEST_TIMEOUT = 30.0
SERVER_START_SECONDS = 60.0

TARGET_P95_MS = 150.0
TARGET_SHARE_OF_HEALTHZ = 0.5


# --- The load generator (a separate process; standard library only) --------------------------


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    seconds: float = 0.0


class Client:
    """One virtual user's keep-alive connection (reopened by http.client when the server closes
    it). Returns the status and the body."""

    def __init__(self, port: int, cookie: str) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        self.cookie = cookie

    def get(self, path: str) -> tuple[int, bytes]:
        headers = {"Host": HOST, "Connection": "keep-alive"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        try:
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise
        return response.status, body


def run_phase(*, port: int, cookie: str, users: int, seconds: float, path: str, rows: int) -> Tally:
    """`users` threads GET `path` for `seconds`; a response counts only when it is a 200 and,
    with `rows`, holds at least that many heatmap rows."""
    tally = Tally()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def user() -> None:
        client = Client(port, cookie)
        latencies: list[float] = []
        statuses: dict[str, int] = {}
        errors = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                status, body = client.get(path)
            except (OSError, http.client.HTTPException):
                errors += 1
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            if status != 200 or (rows and body.count(ROW_MARKER) < rows):
                errors += 1
        with lock:
            tally.latencies_ms += latencies
            tally.errors += errors
            for status, count in statuses.items():
                tally.statuses[status] = tally.statuses.get(status, 0) + count

    threads = [threading.Thread(target=user) for _ in range(users)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 2 * REQUEST_TIMEOUT + 10)
    tally.seconds = time.perf_counter() - started
    return tally


def loadgen_main(arguments: argparse.Namespace) -> int:
    work = json.loads(Path(arguments.loadgen).read_text())
    results = {}
    for phase, path, rows in (
        ("heatmap", work["heatmap_path"], work["rows"]),
        ("healthz", HEALTHZ_PATH, 0),
    ):
        tally = run_phase(
            port=work["port"],
            cookie=work["cookie"] if phase == "heatmap" else "",
            users=work["users"],
            seconds=work["seconds"],
            path=path,
            rows=rows,
        )
        results[phase] = tally.__dict__
    Path(arguments.output).write_text(json.dumps(results))
    return 0


# --- The benchmark ----------------------------------------------------------------------------


def build(respondents: int) -> tuple[int, int, str]:
    """The tree, an aggregated closed round and the root leader's session cookie.
    Returns the round id, the number of heatmap rows expected and the cookie."""
    from django.conf import settings
    from django.test import Client as DjangoClient

    from organisation.models import OrgUnit, RoleAssignment
    from socialkapital.models import Result
    from socialkapital.services.aggregation import aggregate_round

    tree = data.build_tree()
    print(f"units: {tree.units}")
    print(f"depth: {tree.depth}")
    questionnaire = data.questionnaire_30()
    loaded = data.closed_round(
        root_id=tree.root_id,
        questionnaire_id=questionnaire,
        respondents=respondents,
        seed=data.TREE_SEED,
    )
    started = time.perf_counter()
    outcome = aggregate_round(round_id=loaded.round_id)
    print(
        f"Built {tree.units} units and a closed round of {loaded.responses} responses "
        f"({loaded.answers} answers) in {tree.seconds + loaded.seconds:.1f} s; aggregated into "
        f"{outcome.rows} result rows in {time.perf_counter() - started:.1f} s.",
        flush=True,
    )
    units_with_results = (
        Result.objects.filter(round_id=loaded.round_id, cell=Result.Cell.SUBTREE)
        .values("unit_id")
        .distinct()
        .count()
    )
    root = OrgUnit.objects.get(pk=tree.root_id)
    leader = (
        RoleAssignment.objects.filter(role=RoleAssignment.Role.LEADER, unit=root)
        .select_related("user")
        .first()
    )
    if leader is None:
        raise SystemExit("The demo tree has no leader on its root.")
    user = leader.user
    user.set_password(secrets.token_urlsafe(16))
    user.save(update_fields=["password"])
    browser = DjangoClient()
    browser.force_login(user)  # the session a sign-in makes, in the session store
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value
    print(f"units with results: {units_with_results}; leader: {user.username} (LEADER on root)")
    return loaded.round_id, units_with_results, f"{settings.SESSION_COOKIE_NAME}={cookie}"


def start_gunicorn(port: int, env_extra: dict[str, str], log: Path) -> subprocess.Popen:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(env_extra)
    env.update(ALLOWED_HOSTS=HOST, SECURE_SSL_REDIRECT="0", LOG_LEVEL="ERROR")
    with log.open("wb") as output:
        return subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "--config",
                str(ROOT / "config" / "gunicorn.py"),
                "config.wsgi",
                "-w",
                "2",
                "-b",
                f"{HOST}:{port}",
                "--access-logfile",
                "/dev/null",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped while starting.")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if Client(port, "").get(HEALTHZ_PATH)[0] == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {HEALTHZ_PATH} within {SERVER_START_SECONDS} s.")


def timed_get(port: int, cookie: str, path: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    status, body = Client(port, cookie).get(path)
    return (time.perf_counter() - started) * 1000, status, body


def forget_cache(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])


def run_benchmark(server: str, redis_url: str) -> int:
    seconds = env_int("BENCH_SECONDS", 20, minimum=1)
    users = env_int("BENCH_USERS", 20, minimum=1)
    respondents = env_int("BENCH_RESPONDENTS", 15_000, minimum=1000)
    secret_key = secrets.token_urlsafe(50)
    prefix = f"bench-heatmap-{uuid.uuid4().hex[:12]}"
    os.environ["CACHE_KEY_PREFIX"] = prefix
    os.environ["CELERY_QUEUE"] = prefix  # nothing is enqueued; never anyone else's queue
    gunicorn: subprocess.Popen | None = None
    loadgen: subprocess.Popen | None = None
    workdir = Path(tempfile.mkdtemp(prefix="bench-heatmap-"))
    failed = True
    try:
        with _postgres.temporary_database(server, "kerneopgaver_bench_heatmap") as url:
            data.setup_django(database_url=url, secret_key=secret_key, redis_url=redis_url)
            data.migrate()
            round_id, rows, cookie = build(respondents)
            from django.db import connections

            connections.close_all()
            port = free_port()
            log = workdir / "gunicorn.log"
            gunicorn = start_gunicorn(
                port,
                {
                    "DATABASE_URL": url,
                    "SECRET_KEY": secret_key,
                    "REDIS_URL": redis_url,
                    "CACHE_KEY_PREFIX": prefix,
                    "CELERY_QUEUE": prefix,
                },
                log,
            )
            wait_until_up(port, gunicorn)
            path = HEATMAP_PATH.format(round_id=round_id)
            cold_ms, status, body = timed_get(port, cookie, path)
            found = body.count(ROW_MARKER)
            if status != 200 or found < rows:
                raise SystemExit(
                    f"The heatmap page answered {status} with {found} of {rows} rows:\n"
                    f"{body[:2000].decode(errors='replace')}"
                )
            warm_ms, _, _ = timed_get(port, cookie, path)
            print(f"heatmap rows in the page: {found}; page size: {len(body) / 1024:.0f} KiB")
            print(f"heatmap_cold_ms: {cold_ms:.1f}")
            print(f"heatmap_warm_single_ms: {warm_ms:.1f}")
            work = workdir / "work.json"
            output = workdir / "result.json"
            work.write_text(
                json.dumps(
                    {
                        "port": port,
                        "cookie": cookie,
                        "users": users,
                        "seconds": seconds,
                        "heatmap_path": path,
                        "rows": rows,
                    }
                )
            )
            print(
                f"Load: {users} virtual users on {HOST}:{port} for {seconds} s per phase "
                f"(GET {path}, then {HEALTHZ_PATH}).",
                flush=True,
            )
            loadgen = subprocess.Popen(
                [sys.executable, __file__, "--loadgen", str(work), "--output", str(output)],
                cwd=ROOT,
            )
            loadgen.wait(timeout=2 * seconds + 4 * REQUEST_TIMEOUT + 60)
            if loadgen.returncode != 0 or not output.exists():
                raise SystemExit("The load generator failed.")
            results = json.loads(output.read_text())
            failed = bool(results["heatmap"]["errors"] or results["healthz"]["errors"])
            stop(gunicorn)
    finally:
        stop(loadgen)
        stop(gunicorn)
        with contextlib.suppress(Exception):
            forget_cache(redis_url, prefix)
        for path_ in sorted(workdir.glob("*")):
            if path_.name == "gunicorn.log" and failed and path_.stat().st_size:
                lines = path_.read_text(errors="replace").strip().splitlines()[-20:]
                print("gunicorn log (last lines):\n  " + "\n  ".join(lines), flush=True)
            path_.unlink()
        workdir.rmdir()
    return report(results)


def report(results: dict) -> int:
    heatmap, healthz = results["heatmap"], results["healthz"]
    heatmap_rate = len(heatmap["latencies_ms"]) / heatmap["seconds"] if heatmap["seconds"] else 0
    healthz_rate = len(healthz["latencies_ms"]) / healthz["seconds"] if healthz["seconds"] else 0
    p50 = percentile(heatmap["latencies_ms"], 0.50)
    p95 = percentile(heatmap["latencies_ms"], 0.95)
    share = heatmap_rate / healthz_rate if healthz_rate else 0.0
    errors = heatmap["errors"] + healthz["errors"]
    ok = p95 < TARGET_P95_MS and share >= TARGET_SHARE_OF_HEALTHZ and errors == 0
    print(f"heatmap statuses {heatmap['statuses']}; healthz statuses {healthz['statuses']}")
    print(f"heatmap_errors: {errors}")
    print(f"healthz_rate_per_s: {healthz_rate:.1f}")
    print(f"healthz_p95_ms: {percentile(healthz['latencies_ms'], 0.95):.1f}")
    print(f"heatmap_p50_ms: {p50:.1f}")
    print(f"heatmap_p95_ms: {p95:.1f}")
    print(f"heatmap_rate_per_s: {heatmap_rate:.1f}")
    print(f"heatmap_vs_healthz: {share:.2f}")
    print(
        f"RESULT name=heatmap_load heatmap_p50_ms={p50:.1f} heatmap_p95_ms={p95:.1f} "
        f"heatmap_rate_per_s={heatmap_rate:.1f} heatmap_vs_healthz={share:.2f} "
        f"healthz_rate_per_s={healthz_rate:.1f} errors={errors} ok={'yes' if ok else 'no'}",
        flush=True,
    )
    return 0 if ok else 1


def redis_reachable(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=3).ping())
    except Exception:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loadgen", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.loadgen:
        return loadgen_main(arguments)
    server = _postgres.server_url()
    if server is None:
        print("bench/heatmap_load.py measures PostgreSQL only; no PostgreSQL server reachable.")
        print("RESULT name=heatmap_load skipped=no-postgres")
        return 0
    redis_url = os.environ.get("REDIS_URL", "").strip() or DEFAULT_REDIS_URL
    if urlsplit(redis_url).hostname not in {"127.0.0.1", "localhost", "::1"}:
        print(f"REDIS_URL {redis_url!r} is not on loopback; skipping.")
        print("RESULT name=heatmap_load skipped=redis-not-loopback")
        return 0
    if not redis_reachable(redis_url):
        print("No Redis reachable for the cache; skipping.")
        print("RESULT name=heatmap_load skipped=no-redis")
        return 0
    return run_benchmark(server, redis_url)


if __name__ == "__main__":
    sys.exit(main())
