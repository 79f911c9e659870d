"""Keep survey tokens, access codes and calendar secrets out of every log line.

A personal survey link carries its token in the path (/socialkapital/svar/<token>/), a
printed slip's QR code carries its access code in the query (?kode=...), and a personal
calendar address its secret in the path (/kalender/<secret>.ics). Request logs, error
reports and the development server print paths, so every log record goes through this filter,
which masks them before any handler writes them. The same `redact` serves gunicorn's access log
(config/gunicorn.py). Percent-encoded forms are masked too: a path can travel inside another
URL's query, as in a sign-in link's ?next=.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

MASK = "[skjult]"

_PATTERNS = (
    # The token in the path, plain or percent-encoded (%2F is "/").
    (re.compile(r"(/socialkapital/+svar/+)[^/\s\"'?#&%]+", re.IGNORECASE), rf"\1{MASK}"),
    (
        re.compile(r"(%2Fsocialkapital(?:%2F)+svar(?:%2F)+)(?:(?!%2F)[^\s\"'&#])+", re.IGNORECASE),
        rf"\1{MASK}",
    ),
    # The secret of a personal calendar address (organisation/calendar.py), plain or encoded.
    (re.compile(r"(/kalender/+)[^/\s\"'?#&]+", re.IGNORECASE), rf"\1{MASK}"),
    (
        re.compile(r"(%2Fkalender(?:%2F)+)(?:(?!%2F)[^\s\"'&#])+", re.IGNORECASE),
        rf"\1{MASK}",
    ),
    # The code (or a token) in a query: ?kode=..., also inside an encoded ?next= (%3F, %3D).
    # A bare query string (gunicorn's %(q)s, QUERY_STRING) starts without "?".
    (re.compile(r"((?<![\w%-])(?:kode|code|token)=)[^&\s\"'#]+", re.IGNORECASE), rf"\1{MASK}"),
    (
        re.compile(r"((?:%3F|%26)(?:kode|code|token)%3D)(?:(?!%26)[^\s\"'&#])+", re.IGNORECASE),
        rf"\1{MASK}",
    ),
)


def redact(text: str) -> str:
    """The text with every survey token, access code and calendar secret masked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:
        # A record whose arguments do not fit its message must still be masked, never dropped.
        message = str(record.msg)
    cleaned = redact(message)
    if cleaned != message:
        # Freeze the masked message: handlers format msg % args, so drop the args.
        record.msg = cleaned
        record.args = None


def _redacting_factory(
    factory: Callable[..., logging.LogRecord],
) -> Callable[..., logging.LogRecord]:
    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        _redact_record(record)
        return record

    make_record.redacts_survey_secrets = True  # type: ignore[attr-defined]
    return make_record


def install_record_factory() -> None:
    """Mask every record when it is made, before any handler or filter sees it.

    A handler's filter protects only that handler: a record logged by django.request also
    reaches handlers added later (an error reporter, pytest's capture) unmasked. The factory
    covers them all. Idempotent; runs when LOGGING loads this module.
    """
    current = logging.getLogRecordFactory()
    if not getattr(current, "redacts_survey_secrets", False):
        logging.setLogRecordFactory(_redacting_factory(current))


class RedactSurveySecrets(logging.Filter):
    """Masks tokens and codes in the message, its arguments and the attached request."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        # Django attaches the request to django.request records; error reporters (the admin
        # e-mail handler, Sentry) read its path and query from it.
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            record.request_path = redact(request.path)
        return True


install_record_factory()
