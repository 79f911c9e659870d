"""/healthz/ and /readyz/: open to anyone, and telling nothing beyond ok or failing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client, override_settings
from kombu import Connection

from config import health
from tests.conftest import need_service

SECRET_DETAIL = "db.internal.kommune.example password=hunter2"


def _failing() -> None:
    raise RuntimeError(SECRET_DETAIL)


def test_healthz_answers_ok_without_sign_in(client: Client) -> None:
    response = client.get("/healthz/")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]


@override_settings(SECURE_SSL_REDIRECT=True)
def test_probes_over_plain_http_are_not_redirected_to_https(client: Client) -> None:
    assert client.get("/healthz/").status_code == 200


def test_healthz_refuses_post(client: Client) -> None:
    assert client.post("/healthz/").status_code == 405


@pytest.mark.django_db
def test_readyz_answers_ok_when_database_cache_and_broker_answer(client: Client) -> None:
    response = client.get("/readyz/")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }


@pytest.mark.django_db
@pytest.mark.parametrize("failing_check", ["database", "cache", "broker"])
def test_readyz_answers_503_naming_the_failing_check(
    client: Client, monkeypatch: pytest.MonkeyPatch, failing_check: str
) -> None:
    monkeypatch.setitem(health.CHECKS, failing_check, _failing)

    response = client.get("/readyz/")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert response.json()["status"] == "failing"
    assert checks.pop(failing_check) == "failing"
    assert set(checks.values()) == {"ok"}


@pytest.mark.django_db
def test_readyz_reveals_no_exception_text(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(health.CHECKS):
        monkeypatch.setitem(health.CHECKS, name, _failing)

    response = client.get("/readyz/")

    assert response.status_code == 503
    assert b"hunter2" not in response.content
    assert b"kommune.example" not in response.content
    assert b"RuntimeError" not in response.content


@pytest.mark.django_db
def test_readyz_fails_when_the_database_cannot_be_queried(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_cursor(*args: object, **kwargs: object) -> None:
        raise health.connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)

    response = client.get("/readyz/")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "failing"


@pytest.mark.django_db
@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Port 1 on loopback: nothing listens there, so the connection is refused at once.
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
)
def test_readyz_fails_when_the_cache_server_is_unreachable(client: Client) -> None:
    response = client.get("/readyz/")

    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "failing"


@pytest.mark.django_db
@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_readyz_fails_when_the_broker_is_unreachable(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        health.celery_app,
        "connection_for_write",
        lambda: Connection("redis://127.0.0.1:1/0", connect_timeout=1),
    )

    response = client.get("/readyz/")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "failing"


@pytest.mark.redis
@pytest.mark.django_db
def test_with_redis_readyz_really_connects_to_the_broker(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not settings.REDIS_URL:
        need_service("no Redis: set REDIS_URL to check the broker for real")
    opened: list[Connection] = []
    connect: Callable[[], Connection] = health.celery_app.connection_for_write

    def spying_connect() -> Connection:
        opened.append(connect())
        return opened[-1]

    monkeypatch.setattr(health.celery_app, "connection_for_write", spying_connect)

    response = client.get("/readyz/")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}
    assert len(opened) == 1
    assert opened[0].as_uri().startswith("redis://")
