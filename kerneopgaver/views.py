"""The front page, the vision, core tasks, their hub page, contributions and the overview.

Thin: ask `organisation.access`, call `kerneopgaver.services` or read from `kerneopgaver.queries`,
render. The hub page's and the unit page's panels from this module are registered at import.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from kerneopgaver import queries, services
from kerneopgaver.forms import (
    AdoptionForm,
    ContributionAddForm,
    ContributionForm,
    CoreTaskForm,
    OverviewFilterForm,
    StatusForm,
    VisionForm,
)
from kerneopgaver.models import Contribution, CoreTask, EffectIndicator, Vision
from kerneopgaver.panels import Panel, hub_panels
from organisation import access
from organisation import queries as organisation_queries
from organisation.forms import add_service_errors
from organisation.models import OrgUnit
from organisation.panels import unit_panels


def _get_core_task_or_404(request: HttpRequest, pk: int) -> CoreTask:
    """The core task, or 404 both when it does not exist and when the user may not see it."""
    core_task = CoreTask.objects.select_related("administrative_owner").filter(pk=pk).first()
    if core_task is None or not access.can_view_core_task(request.user, core_task):
        raise Http404("No such core task")
    return core_task


def _get_vision_or_404(request: HttpRequest, pk: int) -> Vision:
    """Adopted versions are public; drafts exist only for those who write them."""
    vision = get_object_or_404(Vision, pk=pk)
    if not vision.is_adopted and not access.can_view_vision_draft(request.user):
        raise Http404("No such vision")
    return vision


# --- Front page and overview ----------------------------------------------------------------


@require_safe
def front(request: HttpRequest) -> HttpResponse:
    """Everyone's front page: the vision and the adopted core tasks; a signed-in user also
    sees their role's overview."""
    start = (
        organisation_queries.start_page_for(request.user) if request.user.is_authenticated else None
    )
    return render(request, "front.html", {"start": start, "public": queries.front_page()})


def _overview_context(request: HttpRequest) -> dict[str, Any]:
    statuses, owners = queries.overview_filter_choices(request.user)
    form = OverviewFilterForm(request.GET or None, statuses=statuses, political_owners=owners)
    filters = form.filters() if form.is_bound else {}
    return {
        "form": form,
        "rows": queries.overview(request.user, **filters),
        "filtered": any(filters.values()),
    }


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """All core tasks the user may see, with filters; htmx re-renders only the results."""
    context = _overview_context(request)
    context["can_create"] = access.can_create_core_task(request.user)
    template = "kerneopgaver/overview.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@require_safe
def overview_print(request: HttpRequest) -> HttpResponse:
    """The overview laid out for A4, for a council meeting; the browser prints it."""
    context = _overview_context(request)
    context["status_choices"] = EffectIndicator.Status.choices
    return render(request, "kerneopgaver/overview_print.html", context)


# --- Core tasks -----------------------------------------------------------------------------


@require_safe
def hub(request: HttpRequest, pk: int) -> HttpResponse:
    """The core task's hub page: its title and status, then every registered panel in order."""
    core_task = _get_core_task_or_404(request, pk)
    can_edit = access.can_edit_core_task(request.user, core_task)
    moves = services.ALLOWED_MOVES[core_task.status] if can_edit else ()
    return render(
        request,
        "kerneopgaver/hub.html",
        {
            "core_task": core_task,
            "panels": hub_panels.render(request, core_task),
            "can_edit": can_edit and core_task.status != CoreTask.Status.RETIRED,
            "moves": [(move, CoreTask.Status(move).label) for move in moves],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def core_task_create(request: HttpRequest) -> HttpResponse:
    access.require(access.can_create_core_task(request.user))
    form = CoreTaskForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            core_task = services.core_task_create(
                author=request.user, values=form.definition_values()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The core task has been created as a draft."))
            return redirect("kerneopgaver:hub", pk=core_task.pk)
    return render(request, "kerneopgaver/core_task_form.html", {"form": form, "core_task": None})


@login_required
@require_http_methods(["GET", "POST"])
def core_task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    core_task = _get_core_task_or_404(request, pk)
    access.require(access.can_edit_core_task(request.user, core_task))
    if core_task.status == CoreTask.Status.RETIRED:
        messages.error(request, _("A retired core task can no longer be changed."))
        return redirect("kerneopgaver:hub", pk=core_task.pk)
    form = CoreTaskForm(request.POST or None, instance=core_task, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.core_task_update(
                core_task=core_task,
                author=request.user,
                values=form.definition_values(),
                inputs=form.cleaned_data.get("inputs") or (),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if change is None:
                messages.info(request, _("Nothing was changed."))
            else:
                messages.success(request, _("The core task has been saved."))
            return redirect("kerneopgaver:hub", pk=core_task.pk)
    return render(
        request, "kerneopgaver/core_task_form.html", {"form": form, "core_task": core_task}
    )


@login_required
@require_http_methods(["GET", "POST"])
def core_task_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the status. The hub page posts here directly; GET (and a refused move) shows the
    form, with the date and council decision an adoption needs."""
    core_task = _get_core_task_or_404(request, pk)
    access.require(access.can_edit_core_task(request.user, core_task))
    moves = [
        (move, CoreTask.Status(move).label) for move in services.ALLOWED_MOVES[core_task.status]
    ]
    data = request.POST if request.method == "POST" else None
    initial = {"to_status": request.GET.get("to", "")}
    form = StatusForm(data, initial=initial, moves=moves)
    if request.method == "POST":
        # The requested move is checked by the service, so that a move that is not allowed gets
        # the workflow's own message rather than "not a valid choice".
        form.fields["to_status"].choices = CoreTask.Status.choices
        if form.is_valid():
            try:
                services.core_task_move(
                    core_task=core_task,
                    author=request.user,
                    to_status=form.cleaned_data["to_status"],
                    adopted_on=form.cleaned_data["adopted_on"],
                    council_decision=form.cleaned_data["council_decision"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The status is now “%(status)s”.")
                    % {"status": CoreTask.Status(form.cleaned_data["to_status"]).label},
                )
                return redirect("kerneopgaver:hub", pk=core_task.pk)
        form.fields["to_status"].choices = moves
    return render(
        request,
        "kerneopgaver/core_task_status.html",
        {"form": form, "core_task": core_task, "moves": moves},
    )


# --- Contributions --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def contribution_add(request: HttpRequest, pk: int) -> HttpResponse:
    core_task = _get_core_task_or_404(request, pk)
    access.require(access.can_add_contribution(request.user, core_task))
    units = queries.units_user_may_add(request.user, core_task)
    form = ContributionAddForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        unit = form.cleaned_data["unit"]
        access.require(access.can_edit_contribution(request.user, core_task, unit))
        try:
            services.contribution_save(
                core_task=core_task, unit=unit, author=request.user, how=form.cleaned_data["how"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(unit)s now contributes to the core task.") % {"unit": unit.name}
            )
            return redirect("kerneopgaver:hub", pk=core_task.pk)
    return render(
        request,
        "kerneopgaver/contribution_form.html",
        {"form": form, "core_task": core_task, "unit": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contribution_edit(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    """Change how a unit contributes, or (with the "remove" button) remove the unit."""
    core_task = _get_core_task_or_404(request, pk)
    contribution = get_object_or_404(
        Contribution.objects.select_related("unit"), core_task=core_task, unit_id=unit_pk
    )
    unit: OrgUnit = contribution.unit
    access.require(access.can_edit_contribution(request.user, core_task, unit))
    form = ContributionForm(request.POST or None, initial={"how": contribution.how})
    if request.method == "POST" and "remove" in request.POST:
        try:
            services.contribution_remove(core_task=core_task, unit=unit, author=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(unit)s no longer contributes to the core task.") % {"unit": unit.name},
            )
        return redirect("kerneopgaver:hub", pk=core_task.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.contribution_save(
                core_task=core_task, unit=unit, author=request.user, how=form.cleaned_data["how"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The contribution has been saved."))
            return redirect("kerneopgaver:hub", pk=core_task.pk)
    return render(
        request,
        "kerneopgaver/contribution_form.html",
        {"form": form, "core_task": core_task, "unit": unit},
    )


# --- Vision ---------------------------------------------------------------------------------


@require_safe
def vision_list(request: HttpRequest) -> HttpResponse:
    can_manage = access.can_manage_vision(request.user)
    drafts = Vision.objects.filter(adopted_on__isnull=True) if can_manage else Vision.objects.none()
    return render(
        request,
        "kerneopgaver/vision_list.html",
        {
            "current": Vision.objects.current(),
            "adopted": Vision.objects.adopted(),
            "drafts": drafts,
            "can_manage": can_manage,
        },
    )


@require_safe
def vision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    vision = _get_vision_or_404(request, pk)
    current = Vision.objects.current()
    return render(
        request,
        "kerneopgaver/vision_detail.html",
        {
            "vision": vision,
            "is_current": current is not None and current.pk == vision.pk,
            "can_manage": access.can_manage_vision(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def vision_create(request: HttpRequest) -> HttpResponse:
    """A new draft version; `?from=<id>` starts from that version's text."""
    access.require(access.can_manage_vision(request.user))
    initial: dict[str, str] = {}
    source_pk = request.GET.get("from", "")
    if source_pk.isdigit():
        source = Vision.objects.filter(pk=int(source_pk)).first()
        if source is not None:
            initial = {"title": source.title, "narrative": source.narrative}
    form = VisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        vision = services.vision_create(author=request.user, **form.cleaned_data)
        messages.success(request, _("The draft has been saved."))
        return redirect("kerneopgaver:vision_detail", pk=vision.pk)
    return render(request, "kerneopgaver/vision_form.html", {"form": form, "vision": None})


@login_required
@require_http_methods(["GET", "POST"])
def vision_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(access.can_manage_vision(request.user))
    vision = get_object_or_404(Vision, pk=pk)
    if vision.is_adopted:
        messages.error(
            request, _("An adopted vision is never changed. Write a new version instead.")
        )
        return redirect("kerneopgaver:vision_detail", pk=vision.pk)
    form = VisionForm(request.POST or None, instance=vision)
    if request.method == "POST" and form.is_valid():
        try:
            services.vision_update(vision=vision, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The draft has been saved."))
            return redirect("kerneopgaver:vision_detail", pk=vision.pk)
    return render(request, "kerneopgaver/vision_form.html", {"form": form, "vision": vision})


@login_required
@require_http_methods(["GET", "POST"])
def vision_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the council's adoption of a draft version; it is then in force and read-only."""
    access.require(access.can_manage_vision(request.user))
    vision = get_object_or_404(Vision, pk=pk)
    if vision.is_adopted:
        messages.error(request, _("This version has already been adopted."))
        return redirect("kerneopgaver:vision_detail", pk=vision.pk)
    form = AdoptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.vision_adopt(vision=vision, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The vision has been adopted and is now in force."))
            return redirect("kerneopgaver:vision_detail", pk=vision.pk)
    return render(
        request,
        "kerneopgaver/vision_form.html",
        {"form": form, "vision": vision, "adopting": True},
    )


# --- Panels ---------------------------------------------------------------------------------


def _definition_panel(request: HttpRequest, core_task: CoreTask) -> dict[str, Any]:
    return {"core_task": core_task}


def _contributions_panel(request: HttpRequest, core_task: CoreTask) -> dict[str, Any]:
    return {
        "rows": queries.contributions(request.user, core_task),
        "can_add": core_task.status != CoreTask.Status.RETIRED
        and access.can_add_contribution(request.user, core_task),
    }


def _dependencies_panel(request: HttpRequest, core_task: CoreTask) -> dict[str, Any] | None:
    depends_on, depended_on_by = queries.dependencies(request.user, core_task)
    if not depends_on and not depended_on_by:
        return None
    return {"depends_on": depends_on, "depended_on_by": depended_on_by}


def _history_panel(request: HttpRequest, core_task: CoreTask) -> dict[str, Any]:
    return {"entries": queries.history(request.user, core_task)}


def _unit_core_tasks_panel(request: HttpRequest, unit: OrgUnit) -> dict[str, Any] | None:
    contributions = queries.unit_contributions(request.user, unit)
    return {"contributions": contributions} if contributions else None


hub_panels.register(
    Panel("definition", "kerneopgaver/panels/definition.html", _definition_panel, 10)
)
hub_panels.register(
    Panel("contributions", "kerneopgaver/panels/contributions.html", _contributions_panel, 30)
)
hub_panels.register(
    Panel("dependencies", "kerneopgaver/panels/dependencies.html", _dependencies_panel, 35)
)
hub_panels.register(Panel("history", "kerneopgaver/panels/history.html", _history_panel, 90))
unit_panels.register(
    Panel("core_tasks", "kerneopgaver/unit_panel.html", _unit_core_tasks_panel, order=50)
)
