"""What applies to me (/styring/mig/), to a unit (/styring/enhed/<pk>/), and the value-signal
form (/styring/<pk>/vaerdi/).

Thin: access from `organisation.access`, what applies from `styring.queries.signals`, the write
in `styring.services.signals`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from organisation import access
from organisation.forms import add_service_errors
from organisation.models import OrgUnit
from styring import periods
from styring.models import Instrument
from styring.queries import signals as queries
from styring.services import signals as services
from styring.signal_forms import ValueSignalForm


def _render_unit_page(request: HttpRequest, unit: OrgUnit | None, *, mine: bool) -> HttpResponse:
    governance = queries.applicable_governance(unit, request.user) if unit else None
    return render(
        request,
        "styring/mine.html" if mine else "styring/unit.html",
        {
            "unit": unit,
            "governance": governance,
            "units_to_pick": queries.units_to_pick(request.user),
            "is_home": unit is not None and unit.pk == request.user.home_unit_id,
            "k": settings.VALUE_SIGNAL_MIN_GROUP_SIZE,
        },
    )


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    """The instruments that apply to the signed-in user's workplace, why, and what they cost."""
    home = request.user.home_unit
    if home is not None and not home.active:
        home = None
    return _render_unit_page(request, home, mine=True)


@login_required
@require_safe
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    """The same for one unit: its own employees, HR, and leaders whose subtrees hold it; 404
    for everyone else (which units exist below others is not everybody's business)."""
    found = OrgUnit.objects.filter(pk=pk).first()
    if found is None or not access.can_view_applicable_governance(request.user, found):
        raise Http404("No such unit")
    return _render_unit_page(request, found, mine=False)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def signal(request: HttpRequest, pk: int) -> HttpResponse:
    """The value-signal form for an instrument that applies to the user's workplace."""
    instrument = get_object_or_404(Instrument.objects.select_related("owner_unit"), pk=pk)
    applies = queries.applies_to_user(request.user, instrument)
    access.require(access.can_give_value_signal(request.user, instrument, applies))
    period = periods.current_period()
    already = services.has_given(request.user, instrument, period)
    form = ValueSignalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if already:
            messages.error(
                request,
                _("You have already given a value signal on this instrument this quarter."),
            )
            return redirect("styring:mine")
        if form.is_valid():
            try:
                services.signal_give(
                    user=request.user, instrument=instrument, period=period, **form.cleaned_data
                )
            except ValidationError as error:
                if getattr(error, "code", None) == "already_answered":
                    messages.error(request, error.messages[0])
                    return redirect("styring:mine")
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Thank you for your value signal. Your answers are anonymous: they are "
                        "stored without your name. Results are shown after the quarter has "
                        "ended, and only for groups of at least %(k)s answers."
                    )
                    % {"k": settings.VALUE_SIGNAL_MIN_GROUP_SIZE},
                )
                return redirect("styring:mine")
    return render(
        request,
        "styring/signal_form.html",
        {
            "instrument": instrument,
            "form": form,
            "already": already,
            "period": period,
            "k": settings.VALUE_SIGNAL_MIN_GROUP_SIZE,
        },
        status=200,
    )
