"""The governance register: the list with its filters, an instrument's page, create and edit,
status moves and justifications.

Thin: ask `organisation.access`, call `styring.services.instruments` or read, render. Every
instrument's existence is known to everyone signed in (governance is no secret inside the
organisation), so a denied change is a 403, never a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from organisation import access
from organisation.forms import add_service_errors
from styring.forms import InstrumentForm, JustificationForm, RegisterFilterForm, StatusMoveForm
from styring.models import Instrument, Justification
from styring.panels import instrument_panels
from styring.services import instruments as services

PAGE_SIZE = 50


def _justifications(request: HttpRequest, instrument: Instrument) -> list[Justification]:
    """The instrument's justifications whose core task the user may see (from the prefetch);
    a core task sent back to draft keeps its justification but not its visibility."""
    return [
        justification
        for justification in instrument.justifications.all()
        if access.can_view_core_task(request.user, justification.core_task)
    ]


def _with_justifications(queryset: Any) -> Any:
    return queryset.select_related("owner_unit", "owner").prefetch_related(
        Prefetch(
            "justifications",
            queryset=Justification.objects.select_related("core_task").order_by(
                "core_task__title", "pk"
            ),
        )
    )


# --- The register -----------------------------------------------------------------------------


@login_required
@require_safe
@vary_on_headers("HX-Request")
def register(request: HttpRequest) -> HttpResponse:
    """Every instrument, filtered and searched, 50 to a page; htmx re-renders the results."""
    access.require(access.can_browse_governance(request.user))
    form = RegisterFilterForm(request.GET or None, user=request.user)
    instruments = _with_justifications(form.filter(Instrument.objects.all()))
    page = Paginator(instruments, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "instrument": instrument,
            "justified": bool(instrument.justifications.all()),
            "justifications": _justifications(request, instrument),
        }
        for instrument in page.object_list
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "filtered": form.filtered,
        "can_create": access.can_create_instrument(request.user),
        "can_import": access.can_import_instruments(request.user),
    }
    template = "styring/register.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


# --- One instrument ---------------------------------------------------------------------------


@login_required
@require_safe
def instrument(request: HttpRequest, pk: int) -> HttpResponse:
    """The instrument's definition, justifications and panels, with the actions the user may
    take."""
    item = get_object_or_404(_with_justifications(Instrument.objects.all()), pk=pk)
    access.require(access.can_browse_governance(request.user))
    can_edit = access.can_edit_instrument(request.user, item)
    retired = item.status == Instrument.Status.RETIRED
    return render(
        request,
        "styring/instrument.html",
        {
            "instrument": item,
            "applies_to": list(item.applies_to.all()),
            "justifications": _justifications(request, item),
            "panels": instrument_panels.render(request, item),
            "can_edit": can_edit and not retired,
            "can_decide": access.can_decide_on_instrument(request.user, item) and not retired,
        },
    )


def _form_response(
    request: HttpRequest, form: InstrumentForm, instrument: Instrument | None
) -> HttpResponse:
    template = "styring/instrument_form.html"
    if request.htmx and not request.htmx.boosted:
        template += "#form"
    return render(request, template, {"form": form, "instrument": instrument})


def _saved(request: HttpRequest, instrument: Instrument) -> HttpResponse:
    url = reverse("styring:instrument", args=[instrument.pk])
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    access.require(access.can_create_instrument(request.user))
    form = InstrumentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.instrument_create(
                author=request.user,
                data=form.definition(),
                applies_to=form.cleaned_data["applies_to"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "The instrument has been proposed. Justify it by a core task before it "
                    "becomes active."
                ),
            )
            return _saved(request, created)
    return _form_response(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Instrument.objects.select_related("owner_unit"), pk=pk)
    access.require(access.can_edit_instrument(request.user, item))
    if item.status == Instrument.Status.RETIRED:
        messages.error(request, _("A retired instrument can no longer be changed."))
        return redirect("styring:instrument", pk=item.pk)
    form = InstrumentForm(request.POST or None, instance=item, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.instrument_update(
                instrument=item,
                author=request.user,
                data=form.definition(),
                applies_to=form.cleaned_data["applies_to"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The instrument has been saved."))
            return _saved(request, saved)
    return _form_response(request, form, item)


def _moves(item: Instrument) -> list[tuple[str, str]]:
    return [(move, Instrument.Status(move).label) for move in services.ALLOWED_MOVES[item.status]]


@login_required
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """The moves the workflow allows, as buttons; a refused move is shown here, unchanged."""
    item = get_object_or_404(Instrument.objects.select_related("owner_unit"), pk=pk)
    access.require(access.can_edit_instrument(request.user, item))
    form = StatusMoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        to = form.cleaned_data["to"]
        try:
            services.instrument_move(instrument=item, to=to, author=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The status is now “%(status)s”.") % {"status": Instrument.Status(to).label},
            )
            return redirect("styring:instrument", pk=item.pk)
    justified = item.justifications.exists()
    return render(
        request,
        "styring/status.html",
        {
            "instrument": item,
            "form": form,
            "moves": _moves(item),
            "needs_justification": not justified and not item.is_legal_duty_with_reference,
        },
    )


# --- Justifications ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def justifications(request: HttpRequest, pk: int) -> HttpResponse:
    """The instrument's justifications, a form to add one and a button to remove each."""
    item = get_object_or_404(_with_justifications(Instrument.objects.all()), pk=pk)
    access.require(access.can_edit_instrument(request.user, item))
    retired = item.status == Instrument.Status.RETIRED
    form = JustificationForm(request.POST or None, user=request.user)
    if request.method == "POST" and not retired and form.is_valid():
        try:
            services.justification_add(
                instrument=item,
                core_task=form.cleaned_data["core_task"],
                how=form.cleaned_data["how"],
                author=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The instrument is now justified by “%(core_task)s”.")
                % {"core_task": form.cleaned_data["core_task"].title},
            )
            return redirect("styring:justifications", pk=item.pk)
    shown = _justifications(request, item)
    return render(
        request,
        "styring/justifications.html",
        {
            "instrument": item,
            "justifications": shown,
            "hidden_count": len(item.justifications.all()) - len(shown),
            "form": None if retired else form,
        },
    )


@login_required
@require_POST
def justification_remove(request: HttpRequest, pk: int) -> HttpResponse:
    justification = get_object_or_404(
        Justification.objects.select_related("instrument__owner_unit", "core_task"), pk=pk
    )
    item = justification.instrument
    access.require(access.can_edit_instrument(request.user, item))
    try:
        services.justification_remove(justification=justification, author=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The justification by “%(core_task)s” has been removed.")
            % {"core_task": justification.core_task.title},
        )
    return redirect("styring:justifications", pk=item.pk)
