"""Decisions on instruments (tighten, keep, loosen, remove), the governance map, the review
register (styringsrydning) and the overview for politicians, top management and MED.

Thin: access from `organisation.access`, writes through `styring.services.decisions`, reads from
`styring.queries.map`, `.review` and `.overview`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from organisation import access
from organisation.forms import add_service_errors
from organisation.models import OrgUnit, subtree_q
from styring.decision_forms import DecisionForm
from styring.models import Decision, Instrument
from styring.queries.map import governance_map as build_map
from styring.queries.overview import governance_overview
from styring.queries.review import candidate_for, hours_freed, recent_decisions, review_candidates
from styring.services.decisions import INTENSITY_KINDS, REVIEW_KINDS, decision_record


def _areas(instrument: Instrument) -> QuerySet[OrgUnit]:
    """The units a decision may concern: inside the instrument's applies-to subtrees."""
    paths = list(instrument.applies_to.values_list("path", flat=True))
    return OrgUnit.objects.active().filter(subtree_q(paths))


def _record(request: HttpRequest, instrument: Instrument, form: DecisionForm, source: str) -> bool:
    """Record the form's decision; False (with the refusal on the form) when refused."""
    data = form.cleaned_data
    try:
        decision_record(
            instrument=instrument,
            area=data.get("area"),
            kind=data["kind"],
            reason=data["reason"],
            decision_maker=data["decision_maker"],
            decided_on=data["decided_on"],
            review_on=data.get("review_on"),
            minutes_after=data.get("minutes_after"),
            author=request.user,
            source=source,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """An intensity decision on the instrument, for the whole instrument or an area."""
    instrument = get_object_or_404(Instrument.objects.select_related("owner_unit"), pk=pk)
    access.require(access.can_decide_on_instrument(request.user, instrument))
    form = DecisionForm(request.POST or None, kinds=INTENSITY_KINDS, areas=_areas(instrument))
    if (
        request.method == "POST"
        and form.is_valid()
        and _record(request, instrument, form, Decision.Source.INTENSITY)
    ):
        messages.success(request, _("The decision was recorded."))
        return redirect("styring:instrument", pk=instrument.pk)
    return render(
        request,
        "styring/decide.html",
        {
            "instrument": instrument,
            "form": form,
            "retired": instrument.status == Instrument.Status.RETIRED,
        },
    )


@login_required
@require_safe
def governance_map(request: HttpRequest) -> HttpResponse:
    """Units × core tasks: instruments in force and their time cost, with drill-down."""
    access.require(access.can_view_governance_map(request.user))
    page = build_map(
        request.user, unit=request.GET.get("enhed"), levels=request.GET.get("niveauer")
    )
    template = "styring/map.html#map" if request.htmx else "styring/map.html"
    return render(request, template, {"map": page})


@login_required
@require_safe
def review(request: HttpRequest) -> HttpResponse:
    """The review register: candidates with their reasons, the hours freed, the decisions."""
    access.require(access.can_view_review_register(request.user))
    mine = request.GET.get("mine") == "1"
    return render(
        request,
        "styring/review.html",
        {
            "candidates": review_candidates(request.user, decidable_only=mine),
            "mine": mine,
            "hours": hours_freed(),
            "decisions": recent_decisions(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """A review decision on a candidate: keep, simplify, loosen or remove."""
    instrument = get_object_or_404(Instrument.objects.select_related("owner_unit"), pk=pk)
    access.require(access.can_decide_on_instrument(request.user, instrument))
    form = DecisionForm(request.POST or None, kinds=REVIEW_KINDS)
    if (
        request.method == "POST"
        and form.is_valid()
        and _record(request, instrument, form, Decision.Source.REVIEW)
    ):
        messages.success(request, _("The review decision was recorded."))
        return redirect("styring:review")
    return render(
        request,
        "styring/review_decide.html",
        {
            "instrument": instrument,
            "candidate": candidate_for(instrument),
            "form": form,
            "retired": instrument.status == Instrument.Status.RETIRED,
        },
    )


@login_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """Per core task and per area: instruments, justified share, time cost, value signals and
    decisions."""
    access.require(access.can_view_governance_overview(request.user))
    return render(request, "styring/overview.html", {"overview": governance_overview(request.user)})
