"""Dialogue about results and agreed actions: record a meeting of a unit or a MED committee
about a round's results (with its first action), add actions to it, follow actions up, and the
overview of actions (overdue first).

Thin views: who may do what is asked of `organisation.access`, every write is a service in
`socialkapital.services.dialogue`. The reads shared with the panels (dialogue_panels.py) are at
the top.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from organisation import access
from organisation.access import AnyUser
from organisation.forms import add_service_errors
from organisation.models import MedCommittee, OrgUnit
from socialkapital.dialogue_forms import (
    ActionFilterForm,
    ActionForm,
    ActionUpdateForm,
    DialogueForm,
    FirstActionForm,
)
from socialkapital.models import Action, ResultsDialogue, SurveyRound
from socialkapital.services import dialogue as services

DETAIL_TEMPLATE = "socialkapital/dialogue/dialogue_detail.html"
# Done and dropped actions are listed for this long after they were last changed.
RECENTLY_CLOSED_DAYS = 180
LIST_LIMIT = 200


# --- Reads (also used by the panels) --------------------------------------------------------


def mark_overdue(actions: list[Action], today: datetime.date | None = None) -> list[Action]:
    """Set `is_overdue` on each action, for the templates: open and past its due date."""
    today = today or timezone.localdate()
    for action in actions:
        action.is_overdue = action.status in Action.OPEN_STATUSES and action.due_on < today
    return actions


def _actions() -> QuerySet[Action]:
    return Action.objects.select_related("unit", "committee", "owner", "round", "core_task")


def round_actions(
    survey_round: SurveyRound, *, unit: OrgUnit | None = None, committee: MedCommittee | None = None
) -> list[Action]:
    """The actions of the unit or committee agreed after this round."""
    owner = Q(unit=unit) if unit is not None else Q(committee=committee)
    return mark_overdue(list(_actions().filter(owner, round=survey_round).order_by("due_on", "pk")))


def earlier_open_actions(
    survey_round: SurveyRound | None,
    *,
    unit: OrgUnit | None = None,
    committee: MedCommittee | None = None,
) -> list[Action]:
    """Open actions of the unit or committee from rounds before this one, to follow up."""
    owner = Q(unit=unit) if unit is not None else Q(committee=committee)
    actions = _actions().open().filter(owner)
    if survey_round is not None:
        actions = actions.exclude(round=survey_round).filter(
            round__closes_at__lt=survey_round.closes_at
        )
    return mark_overdue(list(actions.order_by("due_on", "pk")))


def round_dialogues(
    survey_round: SurveyRound, *, unit: OrgUnit | None = None, committee: MedCommittee | None = None
) -> list[ResultsDialogue]:
    owner = Q(unit=unit) if unit is not None else Q(committee=committee)
    return list(
        ResultsDialogue.objects.filter(owner, round=survey_round).select_related("created_by")
    )


def pick_round(rounds: QuerySet[SurveyRound], chosen: str | None) -> SurveyRound | None:
    """The round named by `?runde=` among `rounds`, or the first (latest) one; None for a
    round that is not among them or a value that is not a number."""
    if not chosen:
        return rounds.first()
    try:
        pk = int(chosen)
    except ValueError:
        return None
    return rounds.filter(pk=pk).first()


def _dialogue_or_404(user: AnyUser, pk: int) -> ResultsDialogue:
    dialogue = (
        ResultsDialogue.objects.select_related("round", "unit", "committee", "created_by")
        .filter(pk=pk)
        .first()
    )
    if dialogue is None or not access.can_view_dialogue(
        user, unit=dialogue.unit, committee=dialogue.committee
    ):
        raise Http404("No such dialogue")
    return dialogue


def _action_or_404(user: AnyUser, pk: int) -> Action:
    action = _actions().select_related("dialogue").filter(pk=pk).first()
    if action is None:
        raise Http404("No such action")
    is_owner = user.is_authenticated and action.owner_id == user.pk
    if not is_owner and not access.can_view_dialogue(
        user, unit=action.unit, committee=action.committee
    ):
        raise Http404("No such action")
    return mark_overdue([action])[0]


def _home_url(*, unit: OrgUnit | None, committee: MedCommittee | None, round_id: int) -> str:
    """Where a unit's or committee's dialogue is shown: its results page, its committee page."""
    if unit is not None:
        return reverse("socialkapital:unit_results", args=[unit.pk]) + f"?runde={round_id}"
    return reverse("med:committee", args=[committee.pk]) + f"?runde={round_id}"


def _add_split_errors(form: forms.Form, action_form: forms.Form, error: ValidationError) -> None:
    """A refusal of the meeting with its first action: each error next to its field in
    whichever form has it, the rest above the meeting form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        if name in action_form.fields:
            action_form.add_error(name, errors)
        else:
            form.add_error(name if name in form.fields else None, errors)


# --- Recording a meeting --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def unit_dialogue_create(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.get_results_unit_or_404(request.user, pk)
    access.require(access.can_record_unit_dialogue(request.user, unit))
    return _dialogue_create(
        request,
        unit=unit,
        committee=None,
        rounds=services.unit_rounds_with_results(unit),
        url=reverse("socialkapital:unit_dialogue_create", args=[unit.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def committee_dialogue_create(request: HttpRequest, pk: int) -> HttpResponse:
    committee = access.get_committee_or_404(request.user, pk)
    access.require(access.can_record_committee_dialogue(request.user, committee))
    return _dialogue_create(
        request,
        unit=None,
        committee=committee,
        rounds=services.committee_rounds_with_results(committee),
        url=reverse("socialkapital:committee_dialogue_create", args=[committee.pk]),
    )


def _dialogue_create(
    request: HttpRequest,
    *,
    unit: OrgUnit | None,
    committee: MedCommittee | None,
    rounds: QuerySet[SurveyRound],
    url: str,
) -> HttpResponse:
    """The meeting form for the round `?runde=` (default: the latest with results). The meeting
    and its first action are saved together or not at all."""
    survey_round = pick_round(rounds, request.GET.get("runde"))
    if survey_round is None and request.GET.get("runde"):
        raise Http404("No such round for this unit")
    owners = services.action_owner_candidates(unit=unit, committee=committee)
    data = request.POST if request.method == "POST" else None
    form = DialogueForm(data)
    action_form = FirstActionForm(data, user=request.user, owners=owners)
    if data is not None and survey_round is not None:
        # Both forms are validated, so all errors are shown at once.
        valid = form.is_valid() & action_form.is_valid()
        if valid:
            try:
                dialogue = services.dialogue_create(
                    round=survey_round,
                    unit=unit,
                    committee=committee,
                    held_on=form.cleaned_data["held_on"],
                    themes=form.cleaned_data["themes"],
                    created_by=request.user,
                    first_action=action_form.action_values() if action_form.has_action else None,
                )
            except ValidationError as error:
                _add_split_errors(form, action_form, error)
            else:
                messages.success(request, _("The meeting is recorded."))
                return redirect("socialkapital:dialogue", pk=dialogue.pk)
    context: dict[str, Any] = {
        "form": form,
        "action_form": action_form,
        "unit": unit,
        "committee": committee,
        "where": unit or committee,
        "survey_round": survey_round,
        "other_rounds": [r for r in rounds if survey_round is None or r.pk != survey_round.pk],
        "action_url": url + (f"?runde={survey_round.pk}" if survey_round else ""),
        "create_url": url,
        "back_url": (
            _home_url(unit=unit, committee=committee, round_id=survey_round.pk)
            if survey_round
            else None
        ),
    }
    return render(request, "socialkapital/dialogue/dialogue_form.html", context)


# --- A meeting and its actions ---------------------------------------------------------------


def _detail_context(
    request: HttpRequest, dialogue: ResultsDialogue, *, form: ActionForm | None = None
) -> dict[str, Any]:
    can_record = access.can_record_dialogue(
        request.user, unit=dialogue.unit, committee=dialogue.committee
    )
    if can_record and form is None:
        form = ActionForm(
            user=request.user,
            owners=services.action_owner_candidates(
                unit=dialogue.unit, committee=dialogue.committee
            ),
        )
    return {
        "dialogue": dialogue,
        "where": dialogue.unit or dialogue.committee,
        "actions": mark_overdue(
            list(_actions().filter(dialogue=dialogue).order_by("due_on", "pk"))
        ),
        "form": form if can_record else None,
        "back_url": _home_url(
            unit=dialogue.unit, committee=dialogue.committee, round_id=dialogue.round_id
        ),
    }


@login_required
@require_safe
def dialogue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue = _dialogue_or_404(request.user, pk)
    return render(request, DETAIL_TEMPLATE, _detail_context(request, dialogue))


@login_required
@require_POST
def action_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an action to a recorded meeting. htmx re-renders the actions with the form (with its
    errors, or empty again after saving); without JavaScript the page is rendered again."""
    dialogue = _dialogue_or_404(request.user, pk)
    access.require(
        access.can_record_dialogue(request.user, unit=dialogue.unit, committee=dialogue.committee)
    )
    owners = services.action_owner_candidates(unit=dialogue.unit, committee=dialogue.committee)
    form = ActionForm(request.POST, user=request.user, owners=owners)
    saved = False
    if form.is_valid():
        try:
            services.action_create(
                dialogue=dialogue, created_by=request.user, **form.action_values()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            saved = True
    if saved and not request.htmx:
        messages.success(request, _("The action is added. Its owner is told by e-mail."))
        return redirect(reverse("socialkapital:dialogue", args=[dialogue.pk]) + "#actions")
    context = _detail_context(request, dialogue, form=None if saved else form)
    context["saved"] = saved
    template = DETAIL_TEMPLATE + "#actions-region" if request.htmx else DETAIL_TEMPLATE
    return render(request, template, context)


# --- Actions --------------------------------------------------------------------------------


@login_required
@require_safe
def action_list(request: HttpRequest) -> HttpResponse:
    """The actions the user follows: overdue first, then open ones, then those done or dropped
    lately. htmx re-renders only the lists when the filters change."""
    user = request.user
    today = timezone.localdate()
    followed = Action.objects.filter(access.actions_filter(user))
    form = ActionFilterForm(
        request.GET or None,
        units=OrgUnit.objects.filter(pk__in=followed.values("unit_id")).order_by("path"),
        committees=MedCommittee.objects.filter(pk__in=followed.values("committee_id")),
    )
    actions = _actions().filter(access.actions_filter(user))
    status = ""
    filtered = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        status = data.get("status") or ""
        if data.get("unit") is not None:
            actions = actions.filter(unit__path__startswith=data["unit"].path)
            filtered = True
        if data.get("committee") is not None:
            actions = actions.filter(committee=data["committee"])
            filtered = True
        filtered = filtered or bool(status)
    open_statuses = {ActionFilterForm.OPEN, ActionFilterForm.OVERDUE, *Action.OPEN_STATUSES}
    groups: dict[str, list[Action]] = {"overdue": [], "open": [], "closed": []}
    if status in ("", *open_statuses):
        open_actions = actions.open()
        if status in Action.OPEN_STATUSES:
            open_actions = open_actions.filter(status=status)
        groups["overdue"] = list(open_actions.filter(due_on__lt=today).order_by("due_on", "pk"))
        if status != ActionFilterForm.OVERDUE:
            groups["open"] = list(
                open_actions.filter(due_on__gte=today).order_by("due_on", "pk")[:LIST_LIMIT]
            )
    if status not in open_statuses:
        closed = actions.exclude(status__in=Action.OPEN_STATUSES)
        if status:
            closed = closed.filter(status=status)
        else:
            since = timezone.now() - datetime.timedelta(days=RECENTLY_CLOSED_DAYS)
            closed = closed.filter(updated_at__gte=since)
        groups["closed"] = list(closed.order_by("-updated_at", "-pk")[:LIST_LIMIT])
    for group in groups.values():
        mark_overdue(group, today)
    context = {
        "form": form,
        "groups": groups,
        "filtered": filtered,
        "status": status,
        "limit": LIST_LIMIT,
        "closed_days": RECENTLY_CLOSED_DAYS,
        "total": sum(len(group) for group in groups.values()),
    }
    template = "socialkapital/dialogue/action_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action_or_404(request.user, pk)
    can_update = access.can_update_action(request.user, action)
    if request.method == "POST":
        access.require(can_update)
    form = None
    if can_update:
        owners = services.action_owner_candidates(unit=action.unit, committee=action.committee)
        form = ActionUpdateForm(request.POST or None, action=action, owners=owners)
        if request.method == "POST" and form.is_valid():
            try:
                services.action_update(action=action, values=form.cleaned_data, by=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The action is updated."))
                return redirect("socialkapital:action", pk=action.pk)
    return render(
        request,
        "socialkapital/dialogue/action_detail.html",
        {
            "action": action,
            "where": action.unit or action.committee,
            "form": form,
            "back_url": _home_url(
                unit=action.unit, committee=action.committee, round_id=action.round_id
            ),
        },
    )
