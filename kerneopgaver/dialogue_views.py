"""Dialogue on core tasks: signed-in inputs on the hub page, citizens' consultation on /hoering/,
HR's moderation, and the outcome every input gets.

Thin views: who may do what is asked of `organisation.access`, every write is a service in
`kerneopgaver.services`. This module also registers the hub page's dialogue panel.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from kerneopgaver import services
from kerneopgaver.dialogue_forms import CitizenInputForm, DialogueInputForm, OutcomeForm
from kerneopgaver.models import CoreTask, CoreTaskChange, DialogueInput
from kerneopgaver.panels import Panel, hub_panels
from organisation import access
from organisation.access import AnyUser
from organisation.http import client_address

PANEL_TEMPLATE = "kerneopgaver/panels/dialogue.html"


# --- Reads ---------------------------------------------------------------------------------


def _core_task_or_404(user: AnyUser, pk: int) -> CoreTask:
    """The core task, or 404 both when it does not exist and when the user may not see it."""
    core_task = CoreTask.objects.filter(access.core_task_filter(user)).filter(pk=pk).first()
    if core_task is None:
        raise Http404("No such core task")
    return core_task


def shown_inputs(user: AnyUser, core_task: CoreTask) -> QuerySet[DialogueInput]:
    """The inputs on a core task the user may read, oldest first as a conversation reads, each
    with the definition changes that took it in (`taken_in_by`)."""
    return (
        core_task.inputs.filter(access.dialogue_inputs_filter(user))
        .select_related("author")
        .prefetch_related(
            Prefetch(
                "changes",
                queryset=CoreTaskChange.objects.filter(kind=CoreTaskChange.Kind.EDITED)
                .select_related("author")
                .order_by("created_at", "pk"),
                to_attr="taken_in_by",
            )
        )
        .order_by("created_at", "pk")
    )


def _client_address(request: HttpRequest) -> str:
    return client_address(request)


# --- The hub page's dialogue panel ----------------------------------------------------------


def dialogue_panel_context(
    request: HttpRequest,
    core_task: CoreTask,
    *,
    form: DialogueInputForm | None = None,
    saved: bool = False,
) -> dict[str, Any] | None:
    """The panel's context, or None for a draft nobody has commented on yet."""
    user = request.user
    inputs = list(shown_inputs(user, core_task))
    if core_task.status == CoreTask.Status.DRAFT and not inputs:
        return None
    can_add = access.can_add_dialogue_input(user, core_task)
    if form is None and can_add:
        form = DialogueInputForm()
    pending_count = None
    if access.can_moderate_citizen_inputs(user):
        pending_count = (
            core_task.inputs.awaiting_moderation()
            .filter(channel=DialogueInput.Channel.CITIZEN)
            .count()
        )
    return {
        "core_task": core_task,
        "inputs": inputs,
        "form": form if can_add else None,
        "can_answer": access.can_edit_core_task(user, core_task),
        "pending_count": pending_count,
        "saved": saved,
    }


hub_panels.register(Panel("dialogue", PANEL_TEMPLATE, dialogue_panel_context, order=40))


# --- Signed-in inputs -----------------------------------------------------------------------


@login_required
@require_POST
def input_add(request: HttpRequest, pk: int) -> HttpResponse:
    core_task = _core_task_or_404(request.user, pk)
    hub_url = reverse("kerneopgaver:hub", args=[core_task.pk]) + "#dialogue"
    if not access.can_add_dialogue_input(request.user, core_task):
        return _refuse_closed_dialogue(request, hub_url)
    form = DialogueInputForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            context = dialogue_panel_context(request, core_task, form=form)
            return render(request, PANEL_TEMPLATE, {"object": core_task, **(context or {})})
        return render(
            request, "kerneopgaver/input_add.html", {"core_task": core_task, "form": form}
        )
    try:
        services.dialogue_input_add(
            core_task=core_task,
            author=request.user,
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
        )
    except services.DialogueClosed:
        return _refuse_closed_dialogue(request, hub_url)
    if request.htmx:
        context = dialogue_panel_context(request, core_task, saved=True)
        return render(request, PANEL_TEMPLATE, {"object": core_task, **(context or {})})
    messages.success(request, _("Thank you. Your input is shown on the core task."))
    return redirect(hub_url)


def _refuse_closed_dialogue(request: HttpRequest, hub_url: str) -> HttpResponse:
    messages.error(
        request,
        _("The core task is not in dialogue, so it takes no inputs now. Nothing was saved."),
    )
    if request.htmx:
        return HttpResponseClientRedirect(hub_url)
    return redirect(hub_url)


# --- Outcomes --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def input_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue_input = (
        DialogueInput.objects.filter(access.dialogue_inputs_filter(request.user))
        .select_related("core_task", "author", "outcome_by")
        .filter(pk=pk)
        .first()
    )
    if dialogue_input is None or not access.can_view_core_task(
        request.user, dialogue_input.core_task
    ):
        raise Http404("No such input")
    core_task = dialogue_input.core_task
    access.require(access.can_edit_core_task(request.user, core_task))
    if request.method == "POST":
        form = OutcomeForm(request.POST)
        if form.is_valid():
            services.dialogue_input_set_outcome(
                dialogue_input=dialogue_input,
                author=request.user,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("The outcome is saved and shown with the input."))
            return redirect(
                reverse("kerneopgaver:hub", args=[core_task.pk]) + f"#input-{dialogue_input.pk}"
            )
    else:
        initial = {}
        if dialogue_input.outcome != DialogueInput.Outcome.OPEN:
            initial = {"outcome": dialogue_input.outcome, "reason": dialogue_input.outcome_reason}
        form = OutcomeForm(initial=initial)
    return render(
        request,
        "kerneopgaver/input_outcome.html",
        {"core_task": core_task, "input": dialogue_input, "form": form},
    )


# --- Moderation of citizens' inputs ---------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def moderation_list(request: HttpRequest) -> HttpResponse:
    access.require(access.can_moderate_citizen_inputs(request.user))
    pending = (
        DialogueInput.objects.awaiting_moderation()
        .filter(channel=DialogueInput.Channel.CITIZEN)
        .select_related("core_task")
        .order_by("created_at", "pk")
    )
    return render(request, "kerneopgaver/moderation.html", {"inputs": pending})


@login_required
@require_POST
def input_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(access.can_moderate_citizen_inputs(request.user))
    dialogue_input = get_object_or_404(DialogueInput, pk=pk, channel=DialogueInput.Channel.CITIZEN)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose whether to show the input or not."))
        return redirect("kerneopgaver:moderation")
    try:
        services.citizen_input_moderate(
            dialogue_input=dialogue_input, moderator=request.user, approve=decision == "approve"
        )
    except services.InputNotAwaitingModeration:
        messages.warning(request, _("The input has already been moderated. Nothing was changed."))
        return redirect("kerneopgaver:moderation")
    if decision == "approve":
        messages.success(request, _("The input is now shown on the core task."))
    else:
        messages.success(request, _("The input will not be shown."))
    return redirect("kerneopgaver:moderation")


# --- Citizens' consultation (/hoering/) ----------------------------------------------------


@require_http_methods(["GET"])
def consultation_list(request: HttpRequest) -> HttpResponse:
    core_tasks = CoreTask.objects.open_for_consultation().order_by("title")
    return render(request, "kerneopgaver/hoering_list.html", {"core_tasks": core_tasks})


@require_http_methods(["GET", "POST"])
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    core_task = get_object_or_404(CoreTask.objects.open_for_consultation(), pk=pk)
    address = _client_address(request)
    status = 200
    rate_limited = False
    if request.method == "POST":
        form = CitizenInputForm(request.POST)
        try:
            if services.citizen_rate_limited(client_address=address):
                raise services.ConsultationRateLimited
            if form.honeypot_filled:
                # Answer a bot exactly as a person, so it cannot learn what gave it away.
                services.citizen_spam_discard(client_address=address)
                return redirect("hoering:thanks", pk=core_task.pk)
            if form.is_valid():
                services.citizen_input_add(
                    core_task=core_task,
                    client_address=address,
                    author_name=form.cleaned_data["author_name"],
                    kind=form.cleaned_data["kind"],
                    text=form.cleaned_data["text"],
                )
                return redirect("hoering:thanks", pk=core_task.pk)
        except services.ConsultationRateLimited:
            rate_limited = True
            status = 429
        except services.ConsultationClosed:
            raise Http404("The consultation has closed") from None
    else:
        form = CitizenInputForm()
    return render(
        request,
        "kerneopgaver/hoering_detail.html",
        {
            "core_task": core_task,
            "inputs": shown_inputs(request.user, core_task),
            "form": form,
            "rate_limited": rate_limited,
        },
        status=status,
    )


@require_http_methods(["GET"])
def consultation_thanks(request: HttpRequest, pk: int) -> HttpResponse:
    core_task = get_object_or_404(CoreTask.objects.open_for_consultation(), pk=pk)
    return render(request, "kerneopgaver/hoering_thanks.html", {"core_task": core_task})
