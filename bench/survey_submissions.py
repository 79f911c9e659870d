"""Benchmark: anonymous survey submissions against gunicorn (2 workers) and PostgreSQL.

DESIGN.md's target: at least 100 submissions per second sustained, p95 under 250 ms, none lost,
none doubled. The machines that run this are noisy, so `/healthz/` is measured under the same
load in the same run as the framework's floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/survey_submissions.py

DATABASE_URL only says how to reach the server (default: the local one on 127.0.0.1); the
benchmark creates a database of its own, `kerneopgaver_bench_survey_<pid>`, and drops it at the
end. Without a reachable PostgreSQL it says so and prints a `skipped` RESULT line (exit 0).

What it does:
1. Migrates its database and builds an open round with N invitations (BENCH_INVITATIONS,
   default 20,000 for a 30-second run) and one personal link each. It makes the tokens itself,
   as the invitations task does, and stores only their hashes.
2. Starts `gunicorn config.wsgi -w 2` on a free port on 127.0.0.1 with production-like settings
   (DEBUG off, no Redis), and takes one CSRF cookie from the access-code page with one GET.
3. Signs each token's finished answering state with the app's own function
   (`answer_state_dumps`: what the browser carries in its hidden field after the review step)
   and starts the load generator, this same file with `--loadgen`, in a separate process that
   knows only HTTP: BENCH_USERS virtual users (default 8) on keep-alive connections, each
   taking the next unused token and POSTing its final submit to /socialkapital/besvar/ as the
   browser's form does, for BENCH_SECONDS (default 30) or until the tokens run out. Every
   twentieth user double-clicks: the same POST again right after the first, which must be
   refused. Then the same users GET /healthz/ for as long.
4. Compares what the clients were told with what is stored: `submit_lost` counts submits that
   were told "thank you" whose invitation is not consumed, consumed invitations without a
   response and responses with missing answers; `submit_doubled` counts responses beyond the
   consumed invitations and double-clicks that were accepted.

   `submit_raced` counts tokens that two users submitted at the same moment (every
   RACE_EVERY-th token is handed out twice, back to back, so two threads post it together):
   exactly one of them must be thanked and the other refused with 409.

Prints `name: value` lines and, last, `RESULT name=survey_submissions ... ok=yes|no` for
`bench/run.py`. BENCH_SECONDS shortens it (e.g. BENCH_SECONDS=5).

`--short` is the CI version (tests/test_load_short.py): a 30-second submit phase and a
5-second /healthz/ phase (about a minute in all with set-up), and `ok` means correctness only:
no submission lost, none doubled, no HTTP error, and submissions did go through. Rate and
p50/p95 are printed but not judged, since a shared CI machine's speed says little.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import _postgres

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only: nothing here is ever sent elsewhere
SUBMIT_PATH = "/socialkapital/besvar/"
THANKS_PATH = "/socialkapital/tak/"
CODE_PAGE_PATH = "/socialkapital/kode/"
HEALTHZ_PATH = "/healthz/"
DOUBLE_CLICK_EVERY = 20
RACE_EVERY = 50
ALREADY_ANSWERED = 409
REQUEST_TIMEOUT = 30.0
SERVER_START_SECONDS = 60.0
WORKPLACES = 40

TARGET_RATE = 100.0
TARGET_P95_MS = 250.0


def env_int(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise SystemExit(f"{name} must be a whole number of at least {minimum}; got {raw!r}.")
    return int(raw)


# --- The load generator (a separate process; standard library only) --------------------------


@dataclass
class Tally:
    """What one phase of the load generator saw."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    succeeded: list[int] = field(default_factory=list)  # token numbers told "thank you"
    double_clicks: int = 0
    double_clicks_accepted: int = 0
    raced_refused: int = 0  # the losers of two simultaneous submits of one token (409)
    errors: int = 0
    seconds: float = 0.0


class Client:
    """One virtual user's keep-alive connection. gunicorn's sync workers close the connection
    after each response; http.client then opens a new one for the next request by itself."""

    def __init__(self, port: int, cookie: str) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        self.cookie = cookie

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, str]:
        headers = {"Host": HOST, "Connection": "keep-alive"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise
        return response.status, response.getheader("Location", "")


def race_order(count: int) -> list[int]:
    """The order in which tokens are handed out: each once, every RACE_EVERY-th twice in a
    row, so that two users take it at the same moment."""
    order = []
    for index in range(count):
        order.append(index)
        if index % RACE_EVERY == RACE_EVERY // 2:
            order.append(index)
    return order


def run_phase(
    *, port: int, cookie: str, users: int, seconds: float, bodies: list[bytes] | None
) -> Tally:
    """Drive the server with `users` threads for `seconds` (or until the bodies run out):
    submits when `bodies` is given, else GET /healthz/."""
    tally = Tally()
    lock = threading.Lock()
    order = race_order(len(bodies)) if bodies is not None else []
    raced = {index for index in order if index % RACE_EVERY == RACE_EVERY // 2}
    next_body = iter(order) if bodies is not None else None
    deadline = time.perf_counter() + seconds

    def user(number: int) -> None:
        client = Client(port, cookie)
        latencies: list[float] = []
        statuses: dict[str, int] = {}
        succeeded: list[int] = []
        clicks = clicks_accepted = errors = raced_refused = 0
        while time.perf_counter() < deadline:
            index = None
            if next_body is not None:
                with lock:
                    index = next(next_body, None)
                if index is None:
                    break
            started = time.perf_counter()
            try:
                if bodies is not None and index is not None:
                    status, location = client.request("POST", SUBMIT_PATH, bodies[index])
                else:
                    status, location = client.request("GET", HEALTHZ_PATH)
            except (OSError, http.client.HTTPException):
                errors += 1
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            if bodies is None or index is None:
                if status != 200:
                    errors += 1
                continue
            if status == 302 and location.endswith(THANKS_PATH):
                succeeded.append(index)
                if index % DOUBLE_CLICK_EVERY == 0:
                    # The same form posted again at once, as an impatient double-click does.
                    clicks += 1
                    try:
                        again, again_location = client.request("POST", SUBMIT_PATH, bodies[index])
                    except (OSError, http.client.HTTPException):
                        continue
                    if again == 302 and again_location.endswith(THANKS_PATH):
                        clicks_accepted += 1
            elif status == ALREADY_ANSWERED and index in raced:
                raced_refused += 1  # the other user of this token was first: as it must be
            else:
                errors += 1
        with lock:
            tally.latencies_ms += latencies
            tally.succeeded += succeeded
            tally.double_clicks += clicks
            tally.double_clicks_accepted += clicks_accepted
            tally.raced_refused += raced_refused
            tally.errors += errors
            for status, count in statuses.items():
                tally.statuses[status] = tally.statuses.get(status, 0) + count

    threads = [threading.Thread(target=user, args=(number,)) for number in range(users)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        # Bounded: every request has a timeout, and the loop ends at the deadline.
        thread.join(timeout=seconds + 2 * REQUEST_TIMEOUT + 10)
    tally.seconds = time.perf_counter() - started
    return tally


def loadgen_main(arguments: argparse.Namespace) -> int:
    work = json.loads(Path(arguments.loadgen).read_text())
    bodies = [body.encode() for body in work["bodies"]]
    results = {}
    phases = (("submit", bodies, work["seconds"]), ("healthz", None, work["healthz_seconds"]))
    for phase, phase_bodies, seconds in phases:
        tally = run_phase(
            port=work["port"],
            cookie=work["cookie"],
            users=work["users"],
            seconds=seconds,
            bodies=phase_bodies,
        )
        results[phase] = tally.__dict__
    Path(arguments.output).write_text(json.dumps(results))
    return 0


# --- The benchmark ----------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def setup_django(database_url: str, secret_key: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["SECRET_KEY"] = secret_key
    os.environ.pop("DEBUG", None)
    os.environ.pop("REDIS_URL", None)
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    import django

    django.setup()


def build_round(invitations: int) -> tuple[int, list[tuple[str, int]]]:
    """An open round over a small organisation with `invitations` people, each with one link.
    Returns the round id and (token, unit id) per invitation; only hashes are stored."""
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from organisation.models import OrgUnit, User
    from socialkapital.models import (
        Invitation,
        InvitationLink,
        Questionnaire,
        SurveyRound,
    )
    from socialkapital.services.answering import hash_token

    with transaction.atomic():
        root = OrgUnit.objects.add_root({"name": "Benchkommune", "kind": OrgUnit.Kind.MUNICIPALITY})
        workplaces = []
        for n in range(WORKPLACES):
            root.refresh_from_db()  # treebeard needs the parent's current numchild
            workplaces.append(
                OrgUnit.objects.add_child(
                    root, {"name": f"Arbejdsplads {n}", "kind": OrgUnit.Kind.WORKPLACE}
                )
            )
        password = make_password(None)
        users = User.objects.bulk_create(
            [
                User(
                    username=f"bench-{n}",
                    email=f"bench-{n}@bench.example",
                    password=password,
                    home_unit=workplaces[n % WORKPLACES],
                )
                for n in range(invitations)
            ],
            batch_size=5000,
        )
        now = timezone.now()
        questionnaire = Questionnaire.objects.order_by("pk").first()
        if questionnaire is None or not questionnaire.entries.exists():
            raise SystemExit("The default questionnaire is missing after migrate.")
        survey = SurveyRound.objects.create(
            name="Benchmark",
            questionnaire=questionnaire,
            scope=root,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=7),
            min_group_size_agreed_by="Benchmark",
            status=SurveyRound.Status.OPEN,
            opened_at=now - timedelta(hours=1),
        )
        rows = Invitation.objects.bulk_create(
            [
                Invitation(
                    round=survey,
                    user=user,
                    unit_id=user.home_unit_id,
                    email=user.email,
                    sent_at=now,
                )
                for user in users
            ],
            batch_size=5000,
        )
        tokens = [secrets.token_urlsafe(32) for _ in rows]
        InvitationLink.objects.bulk_create(
            [
                InvitationLink(invitation=row, token_hash=hash_token(token))
                for row, token in zip(rows, tokens, strict=True)
            ],
            batch_size=5000,
        )
    # Fresh statistics, as a database in use has them (autovacuum would get there later):
    # without them the planner guesses on tables that were empty a moment ago.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return survey.pk, [(token, row.unit_id) for token, row in zip(tokens, rows, strict=True)]


def submit_bodies(round_id: int, invitations: list[tuple[str, int]], csrf: str) -> list[str]:
    """The final submit of each token's browser: its signed state after the review step, with
    every statement answered, and the form's CSRF token."""
    import random

    from socialkapital.models import SurveyRound
    from socialkapital.services import answering

    survey = SurveyRound.objects.get(pk=round_id)
    items = answering.round_items(survey)
    steps = len({item.dimension for item in items})
    rng = random.Random(7)
    bodies = []
    for token, unit_id in invitations:
        state = answering.Entry(
            round=survey, unit_id=unit_id, via="link", secret_hash=answering.hash_token(token)
        ).initial_state()
        state["answers"] = {str(item.pk): rng.randint(0, 5) for item in items}
        state["step"] = steps + 1  # the review step, where the submit button is
        bodies.append(
            urlencode(
                {
                    "csrfmiddlewaretoken": csrf,
                    "state": answering.answer_state_dumps(state),
                    "submit": "1",
                }
            )
        )
    return bodies


def start_gunicorn(port: int, database_url: str, secret_key: str, log: Path) -> subprocess.Popen:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="ERROR",  # 409s for the double-clicks are expected, not news
    )
    with log.open("wb") as output:
        # Its own session, so the arbiter and its two workers are stopped together.
        return subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                # The production settings (worker class, threads, redacting logger), with two
                # worker processes and the access log off, as the performance target says.
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


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped while starting; see its log above.")
        try:
            status, _ = Client(port, "").request("GET", HEALTHZ_PATH)
            if status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {HEALTHZ_PATH} within {SERVER_START_SECONDS} s.")


def csrf_cookie(port: int) -> str:
    """One GET of the access-code page, as a browser's first visit: its CSRF cookie."""
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", CODE_PAGE_PATH, headers={"Host": HOST})
        response = connection.getresponse()
        response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("csrftoken="):
                return value.split(";", 1)[0].split("=", 1)[1]
    finally:
        connection.close()
    raise SystemExit(f"{CODE_PAGE_PATH} set no CSRF cookie (status {response.status}).")


def count_outcome(round_id: int, succeeded: list[int], tokens: list[tuple[str, int]]) -> dict:
    from django.db.models import Count

    from socialkapital.models import Answer, Invitation, InvitationLink, Response, SurveyRound
    from socialkapital.services.answering import hash_token, round_items

    items = len(round_items(SurveyRound.objects.get(pk=round_id)))
    told_thanks = {hash_token(tokens[index][0]) for index in succeeded}
    consumed_hashes = set(
        InvitationLink.objects.filter(
            invitation__round_id=round_id, invitation__answered_on__isnull=False
        ).values_list("token_hash", flat=True)
    )
    answered = Invitation.objects.filter(round_id=round_id, answered_on__isnull=False).count()
    responses = Response.objects.filter(round_id=round_id).count()
    incomplete = (
        Response.objects.filter(round_id=round_id)
        .annotate(n=Count("answers"))
        .exclude(n=items)
        .count()
    )
    answers = Answer.objects.filter(round_id=round_id).count()
    return {
        "told_thanks_not_consumed": len(told_thanks - consumed_hashes),
        "consumed_without_response": max(0, answered - responses),
        "responses_beyond_consumed": max(0, responses - answered),
        "incomplete_responses": incomplete,
        "answered": answered,
        "responses": responses,
        "answers": answers,
    }


def run_benchmark(server: str, *, short: bool = False) -> int:
    seconds = env_int("BENCH_SECONDS", 30, minimum=1)
    healthz_seconds = 5 if short else seconds
    users = env_int("BENCH_USERS", 8, minimum=1)
    # Short: enough tokens for 200 submits a second; making and signing them takes time too.
    default_invitations = 6_000 if short else min(20_000, 1_000 + 700 * seconds)
    invitations = env_int("BENCH_INVITATIONS", default_invitations, minimum=10)
    name = f"kerneopgaver_bench_survey_{os.getpid()}"
    database_url = _postgres.with_database(server, name)
    secret_key = secrets.token_urlsafe(50)
    gunicorn: subprocess.Popen | None = None
    loadgen: subprocess.Popen | None = None
    workdir = Path(tempfile.mkdtemp(prefix="bench-survey-"))
    show_log = True
    with _postgres.admin_connection(server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        setup_django(database_url, secret_key)
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        round_id, tokens = build_round(invitations)
        print(
            f"Built an open round with {len(tokens)} invitations and links in "
            f"{time.perf_counter() - started:.1f} s.",
            flush=True,
        )
        port = free_port()
        log = workdir / "gunicorn.log"
        gunicorn = start_gunicorn(port, database_url, secret_key, log)
        wait_until_up(port, gunicorn)
        csrf = csrf_cookie(port)
        bodies = submit_bodies(round_id, tokens, csrf)
        work = workdir / "work.json"
        output = workdir / "result.json"
        work.write_text(
            json.dumps(
                {
                    "port": port,
                    "cookie": f"csrftoken={csrf}",
                    "users": users,
                    "seconds": seconds,
                    "healthz_seconds": healthz_seconds,
                    "bodies": bodies,
                }
            )
        )
        print(
            f"Load: {users} virtual users on 127.0.0.1:{port}: submits for {seconds} s, "
            f"then /healthz/ for {healthz_seconds} s.",
            flush=True,
        )
        loadgen = subprocess.Popen(
            [sys.executable, __file__, "--loadgen", str(work), "--output", str(output)], cwd=ROOT
        )
        loadgen.wait(timeout=seconds + healthz_seconds + 4 * REQUEST_TIMEOUT + 60)
        if loadgen.returncode != 0 or not output.exists():
            raise SystemExit("The load generator failed.")
        results = json.loads(output.read_text())
        connections.close_all()
        outcome = count_outcome(round_id, results["submit"]["succeeded"], tokens)
        show_log = bool(results["submit"]["errors"] or results["healthz"]["errors"])
    finally:
        stop(loadgen)
        stop(gunicorn)
        # A database with open connections cannot be dropped; Django may not be set up yet.
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        with _postgres.admin_connection(server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for path in sorted(workdir.glob("*")):
            # The server's log matters only when something went wrong.
            if path.name == "gunicorn.log" and show_log and path.stat().st_size:
                errors = path.read_text(errors="replace").strip().splitlines()[-20:]
                print("gunicorn log (last lines):\n  " + "\n  ".join(errors), flush=True)
            path.unlink()
        workdir.rmdir()
    return report(results, outcome, short=short)


def report(results: dict, outcome: dict, *, short: bool = False) -> int:
    submit, healthz = results["submit"], results["healthz"]
    submit_rate = len(submit["succeeded"]) / submit["seconds"] if submit["seconds"] else 0.0
    healthz_rate = len(healthz["latencies_ms"]) / healthz["seconds"] if healthz["seconds"] else 0
    p50 = percentile(submit["latencies_ms"], 0.50)
    p95 = percentile(submit["latencies_ms"], 0.95)
    lost = (
        outcome["told_thanks_not_consumed"]
        + outcome["consumed_without_response"]
        + outcome["incomplete_responses"]
    )
    # A token thanked twice: two simultaneous submits of it both stored.
    thanked_twice = len(submit["succeeded"]) - len(set(submit["succeeded"]))
    doubled = (
        outcome["responses_beyond_consumed"] + submit["double_clicks_accepted"] + thanked_twice
    )
    errors = submit["errors"] + healthz["errors"]
    correct = lost == 0 and doubled == 0 and errors == 0 and len(submit["succeeded"]) > 0
    fast = submit_rate >= TARGET_RATE and p95 < TARGET_P95_MS
    ok = correct if short else correct and fast
    print(
        f"submits told thank you: {len(submit['succeeded'])}; statuses {submit['statuses']}; "
        f"double-clicks {submit['double_clicks']} (accepted {submit['double_clicks_accepted']}); "
        f"simultaneous pairs refused once {submit['raced_refused']}; "
        f"stored: {outcome['answered']} consumed invitations, {outcome['responses']} responses, "
        f"{outcome['answers']} answers; healthz statuses {healthz['statuses']}"
    )
    print(f"submit_rate_per_s: {submit_rate:.1f}")
    print(f"submit_p50_ms: {p50:.1f}")
    print(f"submit_p95_ms: {p95:.1f}")
    print(f"submit_lost: {lost}")
    print(f"submit_doubled: {doubled}")
    print(f"submit_errors: {errors}")
    print(f"submit_raced: {submit['raced_refused']}")
    print(f"healthz_rate_per_s: {healthz_rate:.1f}")
    print(f"healthz_p95_ms: {percentile(healthz['latencies_ms'], 0.95):.1f}")
    print(
        f"RESULT name=survey_submissions submit_rate_per_s={submit_rate:.1f} "
        f"submit_p50_ms={p50:.1f} submit_p95_ms={p95:.1f} submit_lost={lost} "
        f"submit_doubled={doubled} submit_errors={errors} submit_raced={submit['raced_refused']} "
        f"healthz_rate_per_s={healthz_rate:.1f} ok={'yes' if ok else 'no'}",
        flush=True,
    )
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loadgen", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    parser.add_argument(
        "--short",
        action="store_true",
        help="the CI version: about a minute, judged on lost, doubled and failed submissions",
    )
    arguments = parser.parse_args()
    if arguments.loadgen:
        return loadgen_main(arguments)
    server = _postgres.server_url()
    if server is None:
        print("bench/survey_submissions.py measures PostgreSQL only; DATABASE_URL is not one.")
        print("RESULT name=survey_submissions skipped=no-postgres")
        return 0
    try:
        with _postgres.admin_connection(server):
            pass
    except Exception as error:  # any failure to connect means: no server to measure here
        print(f"No PostgreSQL server reachable ({type(error).__name__}); skipping.")
        print("RESULT name=survey_submissions skipped=no-postgres")
        return 0
    return run_benchmark(server, short=arguments.short)


if __name__ == "__main__":
    sys.exit(main())
