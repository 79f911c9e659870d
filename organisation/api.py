"""What every part of the open-data API shares: authentication by personal API keys, the rate
limits, pagination, error bodies and their description in the OpenAPI schema.

Each app keeps its own endpoints in its `api.py` (kerneopgaver, socialkapital, styring);
config/api_urls.py puts them under /api/v1/. Session cookies are not accepted: a browser signed
in to the pages is a visitor to the API, so a page can never be made to call the API on a
user's behalf (no CSRF surface), and a key always names who is asking.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from redis.exceptions import RedisError
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from organisation import api_tokens
from organisation.http import client_address
from organisation.models import ApiToken, OrgUnit, User

logger = logging.getLogger(__name__)

KEY_PAGE = "/organisation/api-noegler/"
SCHEMA_LANGUAGE = "en"
KEYWORDS = (b"bearer", b"token")

# --- Authentication -----------------------------------------------------------------------------


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <key>` (or `Token <key>`). A request without such a header is
    anonymous; one with a key that is unknown, revoked, expired or whose user is no longer
    active is refused with 401 and a message saying which."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the key as “Authorization: Bearer <key>”, with nothing else after it.")
            )
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Unknown API key.")) from None
        token = api_tokens.token_for_secret(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Unknown API key."))
        status = api_tokens.status_of(token)
        if status == api_tokens.Status.REVOKED:
            raise exceptions.AuthenticationFailed(_("This API key has been revoked."))
        if status == api_tokens.Status.EXPIRED:
            raise exceptions.AuthenticationFailed(_("This API key has expired."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                _("The person this API key belongs to no longer has access.")
            )
        api_tokens.api_token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes a refusal a 401 (with this challenge) rather than a 403.
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme: an HTTP bearer key."""

    target_class = "organisation.api.ApiTokenAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A personal API key, made on " + KEY_PAGE + " and sent as "
                "`Authorization: Bearer <key>`. It sees what its owner may see."
            ),
        }


# --- Rate limits ----------------------------------------------------------------------------------

# The cache (Redis) being down must not take the API down with it: the limits then count
# nothing until it is back, as the survey entry limit does (socialkapital.services.answering).
_CACHE_ERRORS = (RedisError, OSError)


class _FailOpenThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        # Read at each request, not once at import as DRF does, so that the settings
        # (API_RATE_ANONYMOUS, API_RATE_TOKEN) apply as they are, in tests too.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except _CACHE_ERRORS as error:
            logger.warning(
                "API rate limit not checked, cache unavailable (%s)", type(error).__name__
            )
            return True


class AnonymousRateThrottle(_FailOpenThrottle):
    """Requests without a key, per client address (keyed by a keyed hash, so the cache holds
    no address)."""

    scope = "anonymous"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.user.is_authenticated:
            return None
        digest = salted_hmac("api-throttle", client_address(request), algorithm="sha256")
        return self.cache_format % {"scope": self.scope, "ident": digest.hexdigest()}


class TokenRateThrottle(_FailOpenThrottle):
    """Requests with a key, per key."""

    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


# --- Views, pagination, errors ----------------------------------------------------------------


class ApiPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class UnitRefSerializer(serializers.ModelSerializer):
    """A unit by id and name."""

    class Meta:
        model = OrgUnit
        fields = ["id", "name"]


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words.")


_ERROR_TEXTS = {
    400: "A query parameter is not valid; the body names it.",
    401: "No key, or a key that is unknown, revoked or expired.",
    403: "The key's owner may not see this (the same rule as the page).",
    404: "No such object, or not one the key's owner may see; or no such page.",
    429: "Too many requests: wait the seconds the Retry-After header gives.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The error responses of an endpoint, for @extend_schema(responses=...)."""
    responses: dict[int, OpenApiResponse] = {}
    for code in (*codes, 429):
        body: Any = ErrorSerializer
        if code == 400:
            # Validation errors name the parameter: {"<parameter>": ["<message>", ...]}.
            body = {"type": "object", "additionalProperties": {"type": "array", "items": {}}}
        responses[code] = OpenApiResponse(body, description=_ERROR_TEXTS[code])
    return responses


class ApiMixin:
    """Shared by every API view: says plainly what a missing key means, and counts refused
    requests against the rate limit."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        try:
            super().initial(request, *args, **kwargs)
        except (exceptions.AuthenticationFailed, exceptions.NotAuthenticated):
            # DRF checks the limits only after the key and the permissions, so a refused
            # request would count nothing: count it against its address like any request
            # without a working key, so that guessing keys is limited too.
            self.check_throttles(request)
            raise

    def permission_denied(
        self, request: Request, message: str | None = None, code: str | None = None
    ) -> None:
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated(
                _(
                    "This part of the API needs a personal API key, sent as “Authorization: "
                    "Bearer <key>”. Make one on %(page)s."
                )
                % {"page": KEY_PAGE}
            )
        raise exceptions.PermissionDenied(detail=message, code=code)


# Open data may be read by a web page on any site (a newspaper's chart, a citizen's app):
# answers to requests without credentials say so. A request with a key from another site is
# refused by the browser (its preflight gets no Access-Control-Allow-Headers), so a key is
# never used from a foreign page.
OPEN_DATA_HEADERS = {"Access-Control-Allow-Origin": "*"}


class PublicApiMixin(ApiMixin):
    """Open data: no key needed. The anonymous rate limit applies to requests without one."""

    permission_classes = (AllowAny,)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        for header, value in OPEN_DATA_HEADERS.items():
            response[header] = value
        return response


class KeyApiMixin(ApiMixin):
    """A key is needed; the request is answered as the key's user, and the answer is for that
    user only: no cache on the way may keep it (as the exports)."""

    permission_classes = (IsAuthenticated,)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response


def require(allowed: bool, message: str | Any) -> None:
    """Raise 403 with `message` unless `allowed` (the API's form of access.require)."""
    if not allowed:
        raise exceptions.PermissionDenied(str(message))


NOT_FOUND = gettext_lazy("There is no such address in the API. See /api/docs/.")


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any other address under /api/: a JSON 404, as clients of a JSON API expect; an address
    that only lacks its final slash is sent on to it (what Django's APPEND_SLASH would do, had
    this view not matched first)."""
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return JsonResponse({"detail": str(NOT_FOUND)}, status=404)
