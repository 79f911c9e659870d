"""Reminders on demand and printable access codes for a survey round.

Thin: who may do what is asked of `organisation.access`; the work is done by
`socialkapital.services` (reminders go out through Celery after the transaction commits).
The access-code sheet is rendered straight from the POST that makes the codes: it is the only
place the codes ever exist in full, so the response is never cached.
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from organisation import access
from organisation.access import AnyUser
from organisation.forms import add_service_errors
from organisation.models import OrgUnit, subtree_q
from socialkapital import services
from socialkapital.invitation_forms import AccessCodeForm
from socialkapital.models import SurveyRound

SLIPS_PER_PAGE = 10  # 2 × 5 slips on an A4 page


def _round_or_404(pk: int) -> SurveyRound:
    return get_object_or_404(SurveyRound.objects.select_related("scope"), pk=pk)


# --- Reminders ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def send_reminders(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: how many would be reminded, and a button. POST: remind them now (HR only)."""
    survey_round = _round_or_404(pk)
    access.require(access.can_manage_round(request.user, survey_round))
    if request.method == "POST":
        try:
            count = services.reminders_send_now(survey_round=survey_round)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("socialkapital:reminders", pk=survey_round.pk)
        if count:
            messages.success(
                request,
                ngettext(
                    "A reminder is being sent to %(count)d person who has not answered.",
                    "Reminders are being sent to %(count)d people who have not answered.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.info(
                request,
                _(
                    "Nobody was reminded: everyone has answered or had the "
                    "maximum number of reminders."
                ),
            )
        return redirect("socialkapital:round", pk=survey_round.pk)
    possible = services.reminders_possible(survey_round)
    count = services.reminders_candidates(survey_round).count() if possible else 0
    return render(
        request,
        "socialkapital/reminders.html",
        {
            "survey_round": survey_round,
            "possible": possible,
            "count": count,
            "max_reminders": services.MAX_REMINDERS,
        },
    )


# --- Access codes ---------------------------------------------------------------------------


def _units_for_codes(user: AnyUser, survey_round: SurveyRound) -> list[OrgUnit]:
    """The active units in the round's scope for which the user may make codes, in tree order.
    No queries per unit: the rule reads paths of the user's scope, resolved once."""
    candidates = OrgUnit.objects.filter(subtree_q([survey_round.scope.path]), active=True)
    return [
        unit
        for unit in candidates.order_by("path")
        if access.can_generate_access_codes(user, survey_round, unit)
    ]


def _qr_svg(url: str) -> SafeString:
    # A full QR code (never Micro QR, which many phone cameras cannot read). segno writes the
    # SVG from our own URL and the code: no user input reaches the markup unescaped.
    svg = segno.make_qr(url, error="m").svg_inline(
        scale=3,
        title=_("QR code that opens the survey"),
        svgclass="slip-qr",
        lineclass=None,
        omitsize=True,
    )
    return mark_safe(svg)  # noqa: S308


def _slips(codes: list[str]) -> list[list[dict[str, object]]]:
    """The codes as slips in pages of ten, each with its grouped code and a QR code."""
    base = settings.SITE_URL.rstrip("/") + reverse("socialkapital:start_code")
    slips = [
        {
            "code": services.format_access_code(code),
            "qr": _qr_svg(f"{base}?{urlencode({'kode': code})}"),
        }
        for code in codes
    ]
    return [slips[i : i + SLIPS_PER_PAGE] for i in range(0, len(slips), SLIPS_PER_PAGE)]


@login_required
@require_http_methods(["GET", "POST"])
def access_codes(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: choose a unit and a number. POST: make the codes and show the printable sheet."""
    survey_round = _round_or_404(pk)
    units = _units_for_codes(request.user, survey_round)
    access.require(bool(units))
    possible = services.access_codes_possible(survey_round)
    suggestions = services.access_codes_suggested_counts(survey_round=survey_round)
    if request.method == "POST":
        form = AccessCodeForm(request.POST, units=units, suggestions=suggestions)
        if form.is_valid():
            unit = form.cleaned_data["unit"]
            try:
                codes = services.access_codes_generate(
                    survey_round=survey_round,
                    unit=unit,
                    count=form.cleaned_data["count"],
                    created_by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                response = render(
                    request,
                    "socialkapital/access_code_sheet.html",
                    {
                        "survey_round": survey_round,
                        "unit": unit,
                        "pages": _slips(codes),
                        "count": len(codes),
                        "short_address": settings.SITE_URL.rstrip("/")
                        + reverse("socialkapital:start_code"),
                    },
                )
                # The codes exist only in this response: no browser or proxy may keep a copy.
                add_never_cache_headers(response)
                return response
    else:
        chosen = _initial_unit(request, units, suggestions)
        form = AccessCodeForm(
            initial={"unit": chosen, "count": suggestions.get(chosen.pk) or 1},
            units=units,
            suggestions=suggestions,
        )
    return render(
        request,
        "socialkapital/access_codes_form.html",
        {"survey_round": survey_round, "form": form, "possible": possible},
        status=400 if form.errors else 200,
    )


def _initial_unit(
    request: HttpRequest, units: list[OrgUnit], suggestions: dict[int, int]
) -> OrgUnit:
    """The unit asked for in ?unit=, else the first one with people without e-mail."""
    by_pk = {str(unit.pk): unit for unit in units}
    if request.GET.get("unit") in by_pk:
        return by_pk[request.GET["unit"]]
    return next((unit for unit in units if suggestions.get(unit.pk)), units[0])
