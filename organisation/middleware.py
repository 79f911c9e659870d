"""Session rules that Django's settings alone cannot express."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

SESSION_STARTED_KEY = "signed_in_at"
SESSION_RENEWED_KEY = "renewed_at"


@receiver(user_logged_in, dispatch_uid="organisation.session_times")
def _record_sign_in(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    """Both clocks start when the person signs in (the sign-in saves the session anyway), so
    the first page after it needs no write of its own."""
    session = getattr(request, "session", None)
    if session is not None:
        now = time.time()
        session[SESSION_STARTED_KEY] = now
        session[SESSION_RENEWED_KEY] = now


class AbsoluteSessionTimeoutMiddleware:
    """The two session timeouts of a signed-in user.

    Absolute: sign out 12 hours (SESSION_ABSOLUTE_SECONDS) after signing in, however active.
    Idle: the session (and its cookie) lives SESSION_COOKIE_AGE from when it was last saved.
    Instead of saving it on every request (a database write per page view), it is marked for
    saving when it was last renewed SESSION_RENEW_SECONDS ago or more, so the idle timeout
    counts from the last request to within that margin.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            session = request.session
            started = session.get(SESSION_STARTED_KEY)
            now = time.time()
            if started is None:
                session[SESSION_STARTED_KEY] = now
            elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return self.get_response(request)
            if now - session.get(SESSION_RENEWED_KEY, 0) >= settings.SESSION_RENEW_SECONDS:
                session[SESSION_RENEWED_KEY] = now  # modified: saved with a fresh expiry
        return self.get_response(request)


class DanishFirstLocaleMiddleware(LocaleMiddleware):
    """Danish unless the person chose another language with the switch (the language cookie).

    Django would otherwise follow the browser's Accept-Language, and many municipal PCs run an
    English Windows: the product's language is Danish, and English is a choice, not a guess.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
