"""The Celery app's configuration and the session clean-up task, eagerly and on a real worker.

The worker test needs PostgreSQL (a worker process cannot see pytest's in-memory SQLite database)
and Redis. Without them it is skipped; with REQUIRE_SERVICES=1 (CI's PostgreSQL run) it fails
instead, so a missing service cannot pass as green.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from organisation.tasks import clear_expired_sessions
from tests.conftest import need_service

BASE_DIR = Path(__file__).resolve().parent.parent
WORKER_TIMEOUT_SECONDS = 60


def _session(*, expires_in: timedelta) -> str:
    store = SessionStore()
    store["purpose"] = "test"
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() + expires_in
    )
    return store.session_key


def _login_attempt(*, username: str, age: timedelta) -> AccessAttempt:
    attempt = AccessAttempt.objects.create(
        username=username,
        ip_address="192.0.2.1",
        user_agent="pytest",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=1,
    )
    # attempt_time is auto_now_add, so age it afterwards.
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=timezone.now() - age)
    return attempt


def _clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env.update(overrides)
    return env


@pytest.mark.django_db
def test_clearing_removes_expired_sessions_and_keeps_live_ones() -> None:
    expired = _session(expires_in=-timedelta(minutes=1))
    live = _session(expires_in=timedelta(minutes=30))

    # apply() runs in this process, as every task does with the default (eager) settings.
    clear_expired_sessions.apply().get()

    assert not Session.objects.filter(session_key=expired).exists()
    assert Session.objects.filter(session_key=live).exists()


@pytest.mark.django_db
def test_clearing_removes_login_attempts_older_than_the_cool_off_only() -> None:
    stale = _login_attempt(username="gammel", age=settings.AXES_COOLOFF_TIME + timedelta(hours=1))
    recent = _login_attempt(username="ny", age=timedelta(minutes=1))

    result = clear_expired_sessions.apply().get()

    assert result["expired_login_attempts_removed"] == 1
    assert not AccessAttempt.objects.filter(pk=stale.pk).exists()
    assert AccessAttempt.objects.filter(pk=recent.pk).exists()


@pytest.mark.django_db
def test_clearing_forgets_the_address_of_refused_requests_after_90_days() -> None:
    from organisation.models import AuditEvent

    old, recent = (
        AuditEvent.objects.create(
            when=timezone.now() - age,
            action="access.denied",
            target="/organisation/import/",
            ip_address="192.0.2.7",
        )
        for age in (timedelta(days=91), timedelta(days=1))
    )

    result = clear_expired_sessions.apply().get()

    assert result["denied_access_addresses_removed"] == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.ip_address is None
    assert AuditEvent.objects.filter(pk=old.pk, action="access.denied").exists()  # kept
    assert recent.ip_address == "192.0.2.7"


@pytest.mark.django_db
def test_clearing_twice_is_harmless() -> None:
    _session(expires_in=-timedelta(minutes=1))
    live = _session(expires_in=timedelta(minutes=30))

    clear_expired_sessions.apply().get()
    second = clear_expired_sessions.apply().get()

    assert second == {"expired_login_attempts_removed": 0, "denied_access_addresses_removed": 0}
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]


def test_clearing_is_scheduled_daily_by_beat() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["clear-expired-sessions"]

    assert entry["task"] == clear_expired_sessions.name
    assert entry["schedule"].hour == {3}


def test_the_task_retries_with_a_bound_and_has_time_limits() -> None:
    assert clear_expired_sessions.max_retries == 5
    assert 0 < clear_expired_sessions.soft_time_limit < clear_expired_sessions.time_limit


def test_with_redis_the_app_uses_redis_json_and_late_acknowledgement() -> None:
    """Settings are read at import, so a fresh interpreter is the only honest way to see them."""
    code = (
        "import json, django; django.setup();"
        "from config.celery import app; c = app.conf;"
        "print(json.dumps({'broker': c.broker_url, 'backend': c.result_backend,"
        " 'eager': c.task_always_eager, 'serializer': c.task_serializer,"
        " 'result_serializer': c.result_serializer, 'accept': list(c.accept_content),"
        " 'prefetch': c.worker_prefetch_multiplier, 'acks_late': c.task_acks_late,"
        " 'reject_on_worker_lost': c.task_reject_on_worker_lost,"
        " 'visibility_timeout': c.broker_transport_options['visibility_timeout'],"
        " 'time_limit': c.task_time_limit, 'queue': c.task_default_queue}))"
    )
    redis_url = "redis://127.0.0.1:6379/9"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=_clean_env(REDIS_URL=redis_url, CELERY_QUEUE="kommune-a"),
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr

    conf = json.loads(done.stdout.strip().splitlines()[-1])
    assert conf["broker"] == redis_url
    assert conf["backend"] == redis_url
    assert conf["eager"] is False
    assert conf["serializer"] == conf["result_serializer"] == "json"
    assert conf["accept"] == ["json"]
    assert conf["prefetch"] == 1
    assert conf["acks_late"] is True
    assert conf["reject_on_worker_lost"] is True
    assert conf["visibility_timeout"] > conf["time_limit"]
    assert conf["queue"] == "kommune-a"


def _worker_env(queue: str) -> dict[str, str]:
    """The worker talks to the database pytest-django created, not the one DATABASE_URL names."""
    test_database = connection.settings_dict["NAME"]
    database_url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{test_database}")
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url.geturl(),
        # No pooled connection outlives a task, so nothing blocks dropping the test database.
        DATABASE_CONN_MAX_AGE="0",
        CELERY_QUEUE=queue,
        PYTHONUNBUFFERED="1",
    )
    return env


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is not None:
        return
    worker.terminate()  # warm shutdown: finish the current task, then exit
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=15)


@pytest.mark.celery_worker
@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_clears_expired_sessions(tmp_path: Path) -> None:
    if not settings.REDIS_URL:
        need_service("no Redis: set REDIS_URL to run a real Celery worker")
    if connection.vendor != "postgresql":
        need_service("no PostgreSQL: a worker process cannot share pytest's SQLite database")
    assert not settings.CELERY_TASK_ALWAYS_EAGER

    expired = _session(expires_in=-timedelta(minutes=1))
    live = _session(expires_in=timedelta(minutes=30))
    # A queue of its own, so parallel runs on the same Redis never take each other's tasks.
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-test-{uuid.uuid4().hex[:12]}"
    log_path = tmp_path / "worker.log"

    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-Q",
                queue,
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "INFO",
            ],
            env=_worker_env(queue),
            cwd=BASE_DIR,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        result = None
        try:
            result = clear_expired_sessions.apply_async(queue=queue)
            deadline = time.monotonic() + WORKER_TIMEOUT_SECONDS
            while not result.ready():
                if worker.poll() is not None:
                    pytest.fail(f"the worker exited early:\n{log_path.read_text()}")
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"no result within {WORKER_TIMEOUT_SECONDS}s:\n{log_path.read_text()}"
                    )
                time.sleep(0.2)
            assert result.get(timeout=5) == {
                "expired_login_attempts_removed": 0,
                "denied_access_addresses_removed": 0,
            }
        finally:
            _stop(worker)
            if result is not None:
                result.forget()  # leave nothing behind in a Redis that others share

    assert not Session.objects.filter(session_key=expired).exists()
    assert Session.objects.filter(session_key=live).exists()
    assert "succeeded" in log_path.read_text()
