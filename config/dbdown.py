"""A database outage answers 503 with a friendly page, not a traceback or a bare 500.

While PostgreSQL restarts or fails over, every page that reads the database raises
`OperationalError` (no connection) or `InterfaceError` (a connection that died under it). This
middleware turns that into "the service is briefly unavailable, try again in a minute", with a
`Retry-After` header so that browsers, proxies and monitors know it is temporary.

It catches the error in two places, because Django turns an exception raised in another
middleware into a 500 response before an outer middleware sees it:
- `process_exception`: an error raised in a view;
- the `got_request_exception` signal marks the request when any layer (session, sign-in, a
  middleware's response phase) fails on the database, and `__call__` swaps the 500 for the 503.

The page is rendered without the database: no session, no user, no context processors (the
template gets only the language and the retry time), and the language comes from the language
cookie alone, as `organisation.middleware.DanishFirstLocaleMiddleware` decides it.

Place it high in MIDDLEWARE (after SecurityMiddleware and WhiteNoise), so the layers it must
watch are inside it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
# A PostgreSQL restart takes seconds and a failover a minute or so: ask for a retry after that.
RETRY_AFTER_SECONDS = 60
_MARK = "_database_unavailable"


def _language(request: HttpRequest) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    supported = {code for code, _name in settings.LANGUAGES}
    return chosen if chosen in supported else settings.LANGUAGE_CODE


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 page, built from the template and the language cookie only."""
    language = _language(request)
    with translation.override(language):
        html = render_to_string(
            "503.html",
            {
                "LANGUAGE_CODE": language,
                "retry_minutes": max(1, RETRY_AFTER_SECONDS // 60),
                "STATIC_URL": settings.STATIC_URL,
            },
        )
    response = HttpResponse(html, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # The page must not be cached in place of the real one once the database is back.
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = language
    # The inner middleware that would add these never ran for this response.
    response["X-Frame-Options"] = "DENY"
    response["Content-Security-Policy"] = (
        "default-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
    )
    return response


def _mark_database_errors(
    sender: object, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Called inside Django's exception handling, so sys.exc_info() is the error being handled.
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_ERRORS):
        setattr(request, _MARK, True)


got_request_exception.connect(_mark_database_errors, dispatch_uid="config.dbdown")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, _MARK, False) and response.status_code >= 500:
            return unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        # One line, not a traceback: an outage gives one per request, and the cause is known.
        logger.error(
            "database unavailable (%s): 503 for %s", type(exception).__name__, request.path
        )
        return unavailable_response(request)
