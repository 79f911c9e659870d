"""Faults with real services (issue 7, item 4): what the product survives, on loopback only.

- Redis stopped while surveys are answered: a `redis-server` of the test's own (the cache and
  the Celery broker point at it) is stopped; every answer is still stored exactly once, closing
  the round still works although its aggregation cannot be enqueued, and once Redis is back the
  reconciler enqueues it and the results equal a clean aggregation.
- PostgreSQL restarted while aggregation runs: a real Celery worker reaches PostgreSQL through a
  loopback proxy that the test cuts in the middle of the task and keeps refusing for a while;
  the task retries with backoff and writes the same rows as a clean run.
- The database down for the web app: a friendly 503 page (Danish, or English by choice) with
  `Retry-After`, no traceback; /healthz/ still 200 and /readyz/ 503. Once with the database
  patched to fail in process, once with gunicorn pointed at a closed port.

A worker killed with SIGKILL mid-task is proved in tests/test_aggregation_worker.py.
Every wait is bounded, and every process and server is stopped in a fixture's teardown.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, connections
from django.test import Client

from config.celery import app as celery_app
from socialkapital.models import AccessCode, Answer, Invitation, Response, Result, SurveyRound
from socialkapital.tasks import results as tasks
from tests.conftest import need_service
from tests.faults_support import (
    LOOPBACK,
    CuttableProxy,
    ThrowawayRedis,
    free_port,
    redis_server_binary,
)
from tests.test_aggregation_worker import (  # the real-worker fixtures, reused
    Workers,
    answered,  # noqa: F401 - a fixture
    backends_waiting_on_a_lock,
    in_process_snapshot,
    locked,
    reset,
    snapshot,
    task_result,
    version,
    wait_for,
    workers,  # noqa: F401 - a fixture
)
from tests.test_answering import ANSWER_URL, access_code, invite, make_round, walk_through

BASE_DIR = Path(__file__).resolve().parent.parent
TIMEOUT_SECONDS = 60


# --- Redis stopped while surveys are answered -------------------------------------------------


@pytest.fixture
def throwaway_redis(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    if redis_server_binary() is None:
        need_service("no redis-server binary: cannot start a Redis of the test's own to stop")
    with ThrowawayRedis(tmp_path) as server:
        yield server


@contextlib.contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Celery in this process publishes to `url` (not eagerly), as the web app does in
    production; its cached connection pools are dropped so the new URL takes effect."""
    conf = celery_app.conf
    saved = (
        conf.broker_url,
        conf.task_always_eager,
        celery_app._pool,
        celery_app.amqp._producer_pool,
    )
    conf.broker_url = url
    conf.task_always_eager = False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        conf.broker_url, conf.task_always_eager = saved[0], saved[1]
        celery_app._pool, celery_app.amqp._producer_pool = saved[2], saved[3]


def queued_tasks(redis_url: str) -> list[tuple[str, list]]:
    """Take every message off the default queue: (task name, args), oldest first."""
    import redis

    client = redis.Redis.from_url(redis_url)
    messages = []
    try:
        while (raw := client.rpop(settings.CELERY_TASK_DEFAULT_QUEUE)) is not None:
            payload = json.loads(raw)
            args, _kwargs, _embed = json.loads(base64.b64decode(payload["body"]))
            messages.append((payload["headers"]["task"], args))
    finally:
        client.close()
    return messages


def answer_by_link(token: str, value: int) -> int:
    """One employee answers every statement through their link, as a browser does; returns the
    final submit's status (302 to the thanks page when stored)."""
    browser = Client()
    first = browser.get(f"/socialkapital/svar/{token}/", follow=True)
    assert first.status_code == 200, first.content[:500]
    review = walk_through(browser, first, value=str(value))
    done = browser.post(ANSWER_URL, {"state": review.context["state"], "submit": "1"})
    assert done.status_code == 302
    assert done["Location"] == "/socialkapital/tak/"
    assert browser.get(done["Location"]).status_code == 200
    return done.status_code


def answer_by_code(code: str, value: int) -> int:
    browser = Client()
    first = browser.post("/socialkapital/kode/", {"kode": code}, follow=True)
    assert first.status_code == 200, first.content[:500]
    review = walk_through(browser, first, value=str(value))
    done = browser.post(ANSWER_URL, {"state": review.context["state"], "submit": "1"})
    assert done.status_code == 302
    assert done["Location"] == "/socialkapital/tak/"
    return done.status_code


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)  # closing enqueues after commit, as in production
def test_surveys_answered_while_redis_is_down_are_all_stored_and_results_catch_up(
    org: SimpleNamespace, hr, throwaway_redis: ThrowawayRedis, settings
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": throwaway_redis.url,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    survey_round = make_round(org.nord)
    links = [invite(survey_round, org.solsikken)[1] for _ in range(6)]
    codes = [access_code(survey_round, org.maelkeboetten)[1] for _ in range(6)]
    started = time.monotonic()

    with celery_broker(throwaway_redis.url):
        from django.core.cache import cache

        cache.set("faults-probe", 1)  # the cache really is the throwaway Redis...
        assert cache.get("faults-probe") == 1
        throwaway_redis.stop()  # ...and now it is gone
        assert not throwaway_redis.answers()

        for number, token in enumerate(links):
            answer_by_link(token, value=1 + number % 5)
        for number, code in enumerate(codes):
            answer_by_code(code, value=5 - number % 5)
        close = client_signed_in(hr).post(
            f"/socialkapital/runder/{survey_round.pk}/status/", {"action": "close"}
        )

        assert close.status_code == 302
        survey_round.refresh_from_db()
        assert survey_round.status == SurveyRound.Status.CLOSED
        # Every submission stored exactly once, nothing consumed without its response.
        assert Response.objects.filter(round=survey_round).count() == 12
        assert Answer.objects.filter(round=survey_round).count() == 12 * 4
        assert not Invitation.objects.filter(round=survey_round, answered_on=None).exists()
        assert not AccessCode.objects.filter(round=survey_round, used=False).exists()
        # The aggregation could not be enqueued: no results yet.
        assert not Result.objects.filter(round=survey_round).exists()

        throwaway_redis.start()
        # The reconciler (on the beat schedule every ten minutes) finds the round without
        # results and enqueues it on the broker that is back; a worker's part is played here
        # by taking the message off the queue and running it.
        reconciled = tasks.reconcile_results.apply().get(timeout=TIMEOUT_SECONDS)
        assert reconciled["enqueued"] == [survey_round.pk]
        queued = queued_tasks(throwaway_redis.url)
        assert queued == [("socialkapital.aggregate_round", [survey_round.pk])]
        outcome = tasks.aggregate_round.apply(args=queued[0][1]).get(timeout=TIMEOUT_SECONDS)

    assert outcome["written"] is True
    caught_up = snapshot(survey_round)
    assert caught_up
    assert {row[3] for row in caught_up} == {False}  # 6 and 6 responses, k = 5: all shown
    assert caught_up == in_process_snapshot(survey_round)
    assert time.monotonic() - started < TIMEOUT_SECONDS


def client_signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


# --- PostgreSQL restarted while aggregation runs ----------------------------------------------


@pytest.fixture
def postgres_and_redis(db: None) -> None:
    """Checked before the worker fixtures are set up (they need both)."""
    if not settings.REDIS_URL:
        need_service("no Redis: set REDIS_URL to run a real Celery worker")
    if connection.vendor != "postgresql":
        need_service("no PostgreSQL: the worker's connection runs through a proxy to it")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_aggregation_cut_off_from_postgresql_mid_task_retries_with_backoff_and_succeeds(
    postgres_and_redis: None,
    answered: SurveyRound,  # noqa: F811 - the fixture imported above
    workers: Workers,  # noqa: F811 - the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = in_process_snapshot(answered)
    reset(answered)
    database = connection.settings_dict
    with CuttableProxy(database["HOST"] or LOOPBACK, int(database["PORT"] or 5432)) as proxy:
        # The worker reaches the test database only through the proxy.
        via_proxy = f"postgres://{database['USER'] or 'postgres'}@{LOOPBACK}:{proxy.port}/x"
        monkeypatch.setenv("DATABASE_URL", via_proxy)
        workers.start()
        started = time.monotonic()
        # The test holds the round's row lock: the worker's aggregation runs its first statements
        # and then waits at the lock, in the middle of its transaction, when the proxy cuts it.
        with locked(
            "SELECT id FROM socialkapital_surveyround WHERE id = %s FOR UPDATE", [answered.pk]
        ):
            result = tasks.aggregate_round.apply_async(args=[answered.pk], queue=workers.queue)
            wait_for(lambda: bool(backends_waiting_on_a_lock()), "the worker to wait", workers)
            proxy.cut()
        # "Restarting": connections are refused for two seconds, so the first retry (after one
        # second) fails to connect too and the next one waits two seconds.
        time.sleep(2)
        proxy.restore()
        outcome = task_result(result, workers)
        took = time.monotonic() - started

    log = workers.text()
    retries = re.findall(r"socialkapital\.aggregate_round failed \((\w+)\), retry in (\d+)s", log)
    assert outcome["written"] is True
    assert retries, log
    assert {error for error, _delay in retries} <= {"OperationalError", "InterfaceError"}
    delays = [int(delay) for _error, delay in retries]
    assert delays == sorted(delays)
    assert delays[0] == 1
    assert len(delays) >= 2, log  # refused while "restarting": the backoff grew
    assert proxy.cuts == 1
    assert proxy.refused >= 1
    assert snapshot(answered) == expected
    assert version(answered) == 1
    assert took < TIMEOUT_SECONDS


# --- The web app while the database is down ---------------------------------------------------


@contextlib.contextmanager
def database_down(error: type[Exception] = OperationalError) -> Iterator[None]:
    """Every query fails as against a stopped server (the connection itself stays, so the test
    database survives)."""
    wrapper = connections["default"]
    failure = error("connection to server at 127.0.0.1, port 5432 failed: Connection refused")
    with mock.patch.object(wrapper, "ensure_connection", side_effect=failure):
        yield


def assert_friendly_503(response, *, language: str) -> str:
    text = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "no-store" in response["Cache-Control"]
    assert f'<html lang="{language}">' in text
    for leak in ("Traceback", "OperationalError", "InterfaceError", "5432", 'File "'):
        assert leak not in text
    return text


@pytest.mark.django_db
def test_a_page_answers_a_friendly_danish_503_while_the_database_is_down() -> None:
    with database_down():
        response = Client(raise_request_exception=False).get("/")

    text = assert_friendly_503(response, language="da")
    assert "<h1>" in text


@pytest.mark.django_db
def test_the_503_page_is_english_for_someone_who_chose_english() -> None:
    browser = Client(raise_request_exception=False)
    browser.cookies["django_language"] = "en"

    with database_down():
        response = browser.get("/kerneopgaver/")

    text = assert_friendly_503(response, language="en")
    assert "Briefly unavailable" in text
    assert "Please try again in a minute." in text


@pytest.mark.django_db
@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_signed_in_page_answers_503_when_the_session_cannot_be_read(client_for, leader, error):
    browser = client_for(leader)
    browser.raise_request_exception = False
    browser.cookies["django_language"] = "en"

    # The session and the user are read by middleware before any view runs.
    with database_down(error):
        response = browser.get("/socialkapital/")

    assert "Briefly unavailable" in assert_friendly_503(response, language="en")


@pytest.mark.django_db
def test_a_survey_submit_answers_503_and_stores_nothing_while_the_database_is_down(
    org: SimpleNamespace,
) -> None:
    survey_round = make_round(org.nord)
    _invitation, token = invite(survey_round, org.solsikken)
    browser = Client(raise_request_exception=False)
    first = browser.get(f"/socialkapital/svar/{token}/", follow=True)
    review = walk_through(browser, first)

    with database_down():
        response = browser.post(ANSWER_URL, {"state": review.context["state"], "submit": "1"})

    assert_friendly_503(response, language="da")
    assert not Response.objects.exists()
    # Back up: the same submit is stored, once.
    again = browser.post(ANSWER_URL, {"state": review.context["state"], "submit": "1"})
    assert again.status_code == 302
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_healthz_stays_200_and_readyz_says_503_while_the_database_is_down() -> None:
    browser = Client(raise_request_exception=False)

    with database_down():
        healthz = browser.get("/healthz/")
        readyz = browser.get("/readyz/")

    assert healthz.status_code == 200
    assert readyz.status_code == 503
    assert readyz.json()["checks"]["database"] == "failing"


@pytest.mark.django_db
def test_other_errors_still_give_the_ordinary_500_page() -> None:
    with database_down(RuntimeError):
        response = Client(raise_request_exception=False).get("/")

    assert response.status_code == 500
    assert "Retry-After" not in response


# --- The same against a real server whose database does not answer -------------------------------


@pytest.fixture
def gunicorn_without_database(tmp_path: Path) -> Iterator[int]:
    """gunicorn (production settings) whose DATABASE_URL names a loopback port where nothing
    listens: PostgreSQL is down for it from the start."""
    port, closed_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL"}}
    env.update(
        DATABASE_URL=f"postgres://postgres@{LOOPBACK}:{closed_port}/kerneopgaver_down",
        ALLOWED_HOSTS=LOOPBACK,
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="CRITICAL",
    )
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--config",
                str(BASE_DIR / "config" / "gunicorn.py"),
                "config.wsgi",
                "-w",
                "1",
                "-b",
                f"{LOOPBACK}:{port}",
                "--access-logfile",
                "/dev/null",
            ],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while get(port, "/healthz/")[0] != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def get(port: int, path: str) -> tuple[int, dict[str, str], str]:
    try:
        conn = http.client.HTTPConnection(LOOPBACK, port, timeout=15)
        conn.request("GET", path, headers={"Host": LOOPBACK})
        response = conn.getresponse()
        body = response.read().decode(errors="replace")
        conn.close()
    except OSError:
        return 0, {}, ""
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


@pytest.mark.slow
def test_a_real_server_whose_database_is_down_answers_503_pages_and_stays_healthy(
    gunicorn_without_database: int,
) -> None:
    port = gunicorn_without_database

    for path in ("/", "/kerneopgaver/", "/hoering/"):
        status, headers, body = get(port, path)
        assert status == 503, (path, body[:300])
        assert headers["retry-after"] == "60"
        assert "Traceback" not in body
        assert "kerneopgaver_down" not in body
    assert get(port, "/healthz/")[0] == 200
    status, _headers, body = get(port, "/readyz/")
    assert status == 503
    assert json.loads(body)["checks"]["database"] == "failing"
