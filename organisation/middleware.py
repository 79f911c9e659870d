"""Session rules that Django's settings alone cannot express."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

SESSION_STARTED_KEY = "signed_in_at"


class AbsoluteSessionTimeoutMiddleware:
    """Sign a user out 12 hours (SESSION_ABSOLUTE_SECONDS) after they signed in, however active.

    The idle timeout is the session cookie's age, renewed on every request; this caps the total.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            now = time.time()
            if started is None:
                request.session[SESSION_STARTED_KEY] = now
            elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
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
