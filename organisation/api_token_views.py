"""The API key page (/organisation/api-noegler/) and the API's documentation page (/api/docs/).

Thin: ask `organisation.access`, call `organisation.api_tokens`, render. A new key's secret is
shown in the answer to the request that made it and nowhere else: it is not stored, not put in
the session and not in a message, and the page is never cached.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.settings import api_settings

from organisation import access
from organisation import api_tokens as keys
from organisation.api import OPEN_DATA_HEADERS, SCHEMA_LANGUAGE
from organisation.api_token_forms import ApiTokenCreateForm, ApiTokenRevokeForm
from organisation.forms import add_service_errors
from organisation.models import ApiToken

CONFIRM_PARAMETER = "tilbagekald"


@dataclass(frozen=True)
class KeyRow:
    token: ApiToken
    status: str

    @property
    def active(self) -> bool:
        return self.status == keys.Status.ACTIVE

    @property
    def valid_through(self) -> datetime.date | None:
        """The last day the key works (it expires at the start of the next), or None."""
        if self.token.expires_at is None:
            return None
        return timezone.localtime(self.token.expires_at - datetime.timedelta(microseconds=1)).date()

    @property
    def status_label(self) -> str:
        return {
            keys.Status.ACTIVE: _("Active"),
            keys.Status.EXPIRED: _("Expired"),
            keys.Status.REVOKED: _("Revoked"),
        }[self.status]


def _confirming(request: HttpRequest) -> ApiToken | None:
    """The key whose revocation `?tilbagekald=<id>` asks to confirm: the user's own, or 404."""
    raw = request.GET.get(CONFIRM_PARAMETER, "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise Http404("No such API key")
    return access.get_api_token_or_404(request.user, int(raw))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's keys with their status; make a key (its secret shown once, here); revoke a
    key after confirming."""
    access.require(access.can_manage_api_tokens(request.user))
    form = ApiTokenCreateForm()
    new_key: keys.NewKey | None = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            revoke = ApiTokenRevokeForm(request.POST)
            if not revoke.is_valid():
                return HttpResponseBadRequest(_("Which key to revoke was not understood."))
            token = access.get_api_token_or_404(request.user, revoke.cleaned_data["token"])
            if keys.api_token_revoke(token=token, actor=request.user):
                messages.success(
                    request,
                    _("The key “%(name)s” has been revoked. Programs using it get no more data.")
                    % {"name": token.name},
                )
            else:
                messages.info(request, _("The key had already been revoked."))
            return redirect("organisation:api_tokens")
        if action != "create":
            return HttpResponseBadRequest(_("Unknown action."))
        form = ApiTokenCreateForm(request.POST)
        if form.is_valid():
            try:
                new_key = keys.api_token_create(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    expires_on=form.cleaned_data["expires_on"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                form = ApiTokenCreateForm()
    now = timezone.now()
    return render(
        request,
        "organisation/api_tokens.html",
        {
            "form": form,
            "new_key": new_key,
            "confirm": _confirming(request) if request.method == "GET" else None,
            "rows": [
                KeyRow(token, keys.status_of(token, now)) for token in keys.tokens_of(request.user)
            ],
            "docs_url": reverse("api:docs"),
            "api_url": settings.SITE_URL.rstrip("/") + "/api/v1/",
        },
    )


# --- The schema and the documentation page ---------------------------------------------------


class SchemaView(SpectacularJSONAPIView):
    """The OpenAPI schema as JSON, always in English (its descriptions are written in English;
    the choices' labels would otherwise follow the product's Danish)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with translation.override(SCHEMA_LANGUAGE):
            response = super().dispatch(request, *args, **kwargs)
            response.render()  # while English is active
        for header, value in OPEN_DATA_HEADERS.items():
            response[header] = value
        return response


@dataclass(frozen=True)
class Endpoint:
    path: str
    summary: str
    description: str
    public: bool
    parameters: tuple[str, ...]


@functools.cache
def endpoints() -> tuple[Endpoint, ...]:
    """Every GET endpoint of the API, read from its OpenAPI schema (so this page and the schema
    cannot disagree): path, summary, whether a key is needed, and its query parameters."""
    from drf_spectacular.generators import SchemaGenerator

    with translation.override(SCHEMA_LANGUAGE):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        found.append(
            Endpoint(
                path=path,
                summary=str(operation.get("summary", "")),
                description=str(operation.get("description", "")),
                # A public operation lists the empty requirement {} among its alternatives.
                public={} in operation.get("security", [{}]),
                parameters=tuple(
                    parameter["name"]
                    for parameter in operation.get("parameters", [])
                    if parameter.get("in") == "query"
                ),
            )
        )
    return tuple(found)


_RATE_TEXTS = {
    "s": gettext_lazy("%(count)s requests per second"),
    "m": gettext_lazy("%(count)s requests per minute"),
    "h": gettext_lazy("%(count)s requests per hour"),
    "d": gettext_lazy("%(count)s requests per day"),
}


def rate_text(rate: str | None) -> str:
    """A DRF rate ("60/minute") in words; empty when there is no limit."""
    if not rate:
        return ""
    count, _slash, period = rate.partition("/")
    text = _RATE_TEXTS.get(period[:1])
    return str(text % {"count": count}) if text else rate


@require_safe
def api_docs(request: HttpRequest) -> HttpResponse:
    """What the API offers, how to get and send a key, the rate limits, and the schema."""
    rates = api_settings.DEFAULT_THROTTLE_RATES
    found = endpoints()
    return render(
        request,
        "organisation/api_docs.html",
        {
            "public_endpoints": [endpoint for endpoint in found if endpoint.public],
            "key_endpoints": [endpoint for endpoint in found if not endpoint.public],
            "rate_anonymous": rate_text(rates.get("anonymous")),
            "rate_token": rate_text(rates.get("token")),
            "site_url": settings.SITE_URL.rstrip("/"),
        },
    )
