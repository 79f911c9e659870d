"""Survey tokens and access codes never reach a log: Django's request log, the development
server's request lines, records made by any logger, and gunicorn's access log."""

from __future__ import annotations

import importlib
import logging
import secrets
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from gunicorn.config import Config

from socialkapital.log_filters import RedactSurveySecrets, redact
from tests.test_answering import access_code, invite, make_round

TOKEN = "Zq3xR9vLp0sKe7TgHm2WbN5cYd8FaJ1u"
CODE = "QWER-7788"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def logging_filter() -> logging.Filter:
    """The filter exactly as LOGGING configures it."""
    spec = settings.LOGGING["filters"]["redact_survey_secrets"]
    module_name, class_name = spec["()"].rsplit(".", 1)
    return getattr(importlib.import_module(module_name), class_name)()


def formatted(record: logging.LogRecord) -> str:
    return logging.Formatter("%(name)s %(message)s").format(record)


@pytest.mark.parametrize(
    "text",
    [
        f"Not Found: /socialkapital/svar/{TOKEN}/",
        f'"GET /socialkapital/svar/{TOKEN}/ HTTP/1.1" 302 0',
        f'"GET /socialkapital/svar/{TOKEN} HTTP/1.1" 301 0',
        f'"GET /socialkapital/kode/?kode={CODE} HTTP/1.1" 200 3121',
        f'"GET /socialkapital/kode/?utm=x&kode={CODE}&b=1 HTTP/1.1" 200 3121',
        f"/accounts/login/?next=%2Fsocialkapital%2Fsvar%2F{TOKEN}%2F",
        f"/accounts/login/?next=%2Fsocialkapital%2Fkode%2F%3Fkode%3D{CODE}",
    ],
)
def test_redact_masks_tokens_and_codes_in_every_form(text: str) -> None:
    cleaned = redact(text)
    assert TOKEN not in cleaned
    assert CODE not in cleaned
    assert "[skjult]" in cleaned


def test_redact_leaves_other_paths_alone() -> None:
    assert (
        redact("GET /socialkapital/runder/3/ HTTP/1.1") == "GET /socialkapital/runder/3/ HTTP/1.1"
    )


@pytest.mark.parametrize("logger_name", ["django.request", "django.server", "anything"])
def test_the_logging_filter_masks_records_with_arguments(logger_name: str) -> None:
    record = logging.LogRecord(
        logger_name,
        logging.WARNING,
        __file__,
        1,
        '"%s" %s %s',
        (f"GET /socialkapital/svar/{TOKEN}/?kode={CODE} HTTP/1.1", "404", "179"),
        None,
    )
    assert logging_filter().filter(record) is True
    text = formatted(record)
    assert TOKEN not in text
    assert CODE not in text


def test_every_record_is_masked_when_it_is_made() -> None:
    # Not only the console handler's copy: pytest's capture, Sentry, mail_admins see it too.
    record = logging.getLogger("django.request").makeRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        (f"/socialkapital/svar/{TOKEN}/",),
        None,
    )
    assert TOKEN not in record.getMessage()


def test_the_filter_masks_the_request_path_error_reporters_read() -> None:
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", None, None)
    record.request = SimpleNamespace(path=f"/socialkapital/svar/{TOKEN}/")
    RedactSurveySecrets().filter(record)
    assert TOKEN not in record.request_path


def test_a_token_url_logs_no_token(
    client: Client, org: SimpleNamespace, caplog: pytest.LogCaptureFixture
) -> None:
    survey_round = make_round(org.nord)
    _invitation, token = invite(survey_round, org.solsikken)
    closed = make_round(org.nord, opens_in=timedelta(days=-9), closes_in=timedelta(days=-1))
    _closed_invitation, closed_token = invite(closed, org.solsikken)
    unknown = secrets.token_urlsafe(24)
    caplog.set_level(logging.DEBUG)
    client.get(f"/socialkapital/svar/{token}/", follow=True)
    assert client.get(f"/socialkapital/svar/{unknown}/").status_code == 404
    assert client.get(f"/socialkapital/svar/{closed_token}/").status_code == 410
    assert caplog.records, "the 404 should have been logged"
    log_text = caplog.text + "\n".join(formatted(record) for record in caplog.records)
    for secret in (token, unknown, closed_token):
        assert secret not in log_text


def test_an_unknown_code_and_the_kode_query_log_no_code(
    client: Client, org: SimpleNamespace, caplog: pytest.LogCaptureFixture
) -> None:
    survey_round = make_round(org.nord)
    _row, code = access_code(survey_round, org.maelkeboetten)
    caplog.set_level(logging.DEBUG)
    client.get("/socialkapital/kode/", {"kode": code})
    client.post("/socialkapital/kode/", {"kode": code})
    assert client.post("/socialkapital/kode/", {"kode": CODE}).status_code == 404
    log_text = caplog.text + "\n".join(formatted(record) for record in caplog.records)
    assert code not in log_text
    assert CODE not in log_text


def test_the_gunicorn_access_log_masks_tokens_and_codes() -> None:
    config_module = importlib.import_module("config.gunicorn")
    cfg = Config()
    cfg.set("logger_class", config_module.logger_class)
    logger = cfg.logger_class(cfg)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/socialkapital/svar/{TOKEN}/?kode={CODE}",
        "PATH_INFO": f"/socialkapital/svar/{TOKEN}/",
        "QUERY_STRING": f"kode={CODE}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://kommune.example/socialkapital/kode/?kode={CODE}",
        "REMOTE_ADDR": "192.0.2.9",
    }
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[])
    req = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    atoms = logger.atoms(resp, req, environ, timedelta(milliseconds=12))
    everything = repr(atoms)
    assert TOKEN not in everything
    assert CODE not in everything
    line = config_module.access_log_format % logger.atoms_wrapper_class(atoms)
    assert "/socialkapital/svar/[skjult]/" in line
