"""Writes for the dialogue about results: meeting records (ResultsDialogue) and agreed actions.

A unit (its leader and employees) or a MED committee meets about a round's results, records
when and which themes, and agrees actions with an owner and a due date. Actions are followed up
on the next round's pages until done or dropped (planned → in progress → done / dropped; a done
action may be reopened). The owner is told by e-mail after commit (Celery,
`socialkapital.tasks.actions`). A refused write raises `ValidationError` with English msgids.

Who may record is decided in `organisation.access`; the rules here are about the data: the round
has results and covers the unit or committee, dates make sense, the owner is someone who can
carry the action, the core task is live.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kerneopgaver.models import CoreTask
from organisation.models import MedCommittee, OrgUnit, RoleAssignment, User, subtree_q
from socialkapital.models import Action, Dimension, ResultsDialogue, SurveyRound

__all__ = [
    "ACTION_MOVES",
    "ACTION_UPDATABLE_FIELDS",
    "LIVE_CORE_TASK_STATUSES",
    "action_create",
    "action_owner_candidates",
    "action_owner_notify",
    "action_update",
    "committee_rounds_with_results",
    "dialogue_create",
    "overdue_reminder_send",
    "round_covers",
    "unit_rounds_with_results",
]

Status = Action.Status

# The status workflow. Staying in the same status is no move and always allowed. A done action
# may be reopened (it turned out not to be done); a dropped one stays dropped: agree a new one.
ACTION_MOVES: dict[str, tuple[str, ...]] = {
    Status.PLANNED: (Status.IN_PROGRESS, Status.DONE, Status.DROPPED),
    Status.IN_PROGRESS: (Status.DONE, Status.DROPPED),
    Status.DONE: (Status.IN_PROGRESS,),
    Status.DROPPED: (),
}
ACTION_UPDATABLE_FIELDS = (
    "title",
    "description",
    "dimension",
    "core_task",
    "owner",
    "due_on",
    "status",
)
# Actions serve core tasks that are adopted or being defined together; not drafts nobody has
# seen, nor retired ones.
LIVE_CORE_TASK_STATUSES = (CoreTask.Status.ADOPTED, CoreTask.Status.IN_DIALOGUE)
_TITLE_MAX = 200
_TEXT_MAX = 5000


# --- Reads the rules rest on ---------------------------------------------------------------


def _committee_paths(committee: MedCommittee) -> list[str]:
    return list(committee.covers.filter(active=True).values_list("path", flat=True))


def round_covers(
    survey_round: SurveyRound, *, unit: OrgUnit | None = None, committee: MedCommittee | None = None
) -> bool:
    """Whether the round measured the unit (the unit lies in the round's scope), or part of what
    the committee covers (a covered unit lies in the scope, or the scope lies in a covered
    unit's subtree, so a Hoved-MED may discuss a round of one directorate)."""
    scope_path = survey_round.scope.path
    if unit is not None:
        return unit.path.startswith(scope_path)
    if committee is not None:
        return any(
            path.startswith(scope_path) or scope_path.startswith(path)
            for path in _committee_paths(committee)
        )
    return False


def _with_results() -> QuerySet[SurveyRound]:
    return SurveyRound.objects.with_results().select_related("scope")


def unit_rounds_with_results(unit: OrgUnit) -> QuerySet[SurveyRound]:
    """Closed rounds with results whose scope holds the unit, latest first."""
    ancestors = [*unit.ancestor_paths(), unit.path]
    return _with_results().filter(scope__path__in=ancestors).order_by("-closes_at", "-pk")


def committee_rounds_with_results(committee: MedCommittee) -> QuerySet[SurveyRound]:
    """Closed rounds with results that measured part of what the committee covers, latest
    first."""
    paths = _committee_paths(committee)
    above = {
        path[:end]
        for path in paths
        for end in range(OrgUnit.steplen, len(path) + 1, OrgUnit.steplen)
    }
    return (
        _with_results()
        .filter(subtree_q(paths, field="scope__path") | Q(scope__path__in=above))
        .order_by("-closes_at", "-pk")
    )


def action_owner_candidates(
    *, unit: OrgUnit | None = None, committee: MedCommittee | None = None
) -> QuerySet[User]:
    """Active people who may own an action of the unit or committee.

    For a unit: the leaders of the unit, of the units above it and of the units below it, and
    the people whose workplace is the unit itself or a unit directly below it. People further
    down are reached through their leaders; that keeps the choice to a list one can read even
    for an area or a directorate, where everyone in the subtree would be thousands.

    For a committee: its members, and the leaders of the units it covers and of the units
    below them (a committee agrees actions that the line management carries out).
    """
    if committee is not None:
        paths = _committee_paths(committee)
        leaders = RoleAssignment.objects.filter(
            subtree_q(paths, field="unit__path"), role=RoleAssignment.Role.LEADER
        ).values("user_id")
        members = committee.memberships.values("user_id")
        people = Q(pk__in=members) | Q(pk__in=leaders)
    elif unit is not None:
        leader_paths = Q(unit__path__startswith=unit.path) | Q(unit__path__in=unit.ancestor_paths())
        leaders = RoleAssignment.objects.filter(
            leader_paths, role=RoleAssignment.Role.LEADER
        ).values("user_id")
        people = Q(pk__in=leaders) | Q(
            home_unit__path__startswith=unit.path,
            home_unit__depth__lte=unit.depth + 1,
        )
    else:
        return User.objects.none()
    return User.objects.filter(people, is_active=True).order_by("name", "username")


# --- Checks ----------------------------------------------------------------------------------


def _check_round(
    survey_round: SurveyRound, *, unit: OrgUnit | None, committee: MedCommittee | None
) -> None:
    if (unit is None) == (committee is None):
        raise ValueError("Give exactly one of unit and committee.")
    if survey_round.status != SurveyRound.Status.CLOSED or survey_round.results_version < 1:
        raise ValidationError(_("The round has no results yet: it can be discussed once closed."))
    if not round_covers(survey_round, unit=unit, committee=committee):
        if unit is not None:
            raise ValidationError(_("The round did not measure this unit."))
        raise ValidationError(_("The round did not measure any unit the committee covers."))


def _round_closed_on(survey_round: SurveyRound) -> datetime.date:
    return timezone.localdate(survey_round.closed_at or survey_round.closes_at)


def _dialogue_errors(
    survey_round: SurveyRound, held_on: datetime.date | None, themes: str, today: datetime.date
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if held_on is None:
        errors["held_on"] = [_("Give the date of the meeting.")]
    elif held_on > today:
        errors["held_on"] = [_("The meeting date cannot be in the future.")]
    elif held_on < _round_closed_on(survey_round):
        errors["held_on"] = [_("The meeting cannot be before the round closed.")]
    if not themes:
        errors["themes"] = [_("Say which themes were discussed.")]
    elif len(themes) > _TEXT_MAX:
        errors["themes"] = [
            _("Write at most %(limit)d characters.") % {"limit": _TEXT_MAX},
        ]
    return errors


def _action_errors(
    values: Mapping[str, Any],
    *,
    unit: OrgUnit | None,
    committee: MedCommittee | None,
    not_before: datetime.date,
    owner_changed: bool = True,
) -> dict[str, list[str]]:
    """Errors of an action's values (all fields present), by field."""
    errors: dict[str, list[str]] = {}
    title = values["title"]
    if not title:
        errors["title"] = [_("Give the action a title.")]
    elif len(title) > _TITLE_MAX:
        errors["title"] = [_("Write at most %(limit)d characters.") % {"limit": _TITLE_MAX}]
    if len(values["description"]) > _TEXT_MAX:
        errors["description"] = [_("Write at most %(limit)d characters.") % {"limit": _TEXT_MAX}]
    dimension, core_task = values["dimension"], values["core_task"]
    if dimension and dimension not in Dimension.values:
        errors["dimension"] = [_("Choose one of the dimensions.")]
    if core_task is not None and core_task.status not in LIVE_CORE_TASK_STATUSES:
        errors["core_task"] = [_("Choose a core task that is adopted or in dialogue.")]
    if not dimension and core_task is None and "dimension" not in errors:
        errors["dimension"] = [
            _("Link the action to a dimension of social capital, a core task or both.")
        ]
    due_on = values["due_on"]
    if due_on is None:
        errors["due_on"] = [_("Give the due date.")]
    elif due_on < not_before:
        errors["due_on"] = [_("The due date cannot be before the meeting.")]
    owner = values["owner"]
    if owner is None:
        if owner_changed:
            errors["owner"] = [_("Choose who owns the action.")]
    elif owner_changed and (
        not owner.is_active
        or not action_owner_candidates(unit=unit, committee=committee).filter(pk=owner.pk).exists()
    ):
        errors["owner"] = [
            _(
                "The owner must be a leader or an employee of the unit, or a member of the "
                "committee."
            )
        ]
    return errors


def _notify_after_commit(action_id: int) -> None:
    # Imported here: the tasks module imports this one.
    from socialkapital.tasks.actions import notify_action_owner

    # Robust: the action is saved whatever happens to its e-mail (with tasks run eagerly, a
    # mail server that is down would otherwise turn the saved action into an error page).
    transaction.on_commit(lambda: notify_action_owner.delay(action_id), robust=True)


# --- Writes ----------------------------------------------------------------------------------


@transaction.atomic
def dialogue_create(
    *,
    round: SurveyRound,  # the model's field name, as the contract calls it
    unit: OrgUnit | None = None,
    committee: MedCommittee | None = None,
    held_on: datetime.date | None,
    themes: str,
    created_by: User,
    first_action: Mapping[str, Any] | None = None,
) -> ResultsDialogue:
    """Record a meeting about the round's results, and with `first_action` (the keyword
    arguments of `action_create` but `dialogue` and `created_by`) the first action agreed at it.
    Both are saved or neither: an invalid action rolls the meeting back, and the errors of both
    come together, by field."""
    survey_round = round
    _check_round(survey_round, unit=unit, committee=committee)
    themes = (themes or "").strip()
    today = timezone.localdate()
    errors = _dialogue_errors(survey_round, held_on, themes, today)
    if first_action is not None:
        values = _clean_action_values(first_action)
        errors.update(
            _action_errors(
                values, unit=unit, committee=committee, not_before=held_on or datetime.date.min
            )
        )
    if errors:
        raise ValidationError(errors)
    dialogue = ResultsDialogue.objects.create(
        round=survey_round,
        unit=unit,
        committee=committee,
        held_on=held_on,
        themes=themes,
        created_by=created_by,
    )
    if first_action is not None:
        action_create(dialogue=dialogue, created_by=created_by, **first_action)
    return dialogue


def _clean_action_values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "title": (values.get("title") or "").strip(),
        "description": (values.get("description") or "").strip(),
        "dimension": values.get("dimension") or "",
        "core_task": values.get("core_task"),
        "owner": values.get("owner"),
        "due_on": values.get("due_on"),
    }


@transaction.atomic
def action_create(
    *,
    dialogue: ResultsDialogue,
    title: str,
    description: str = "",
    dimension: str = "",
    core_task: CoreTask | None = None,
    owner: User | None,
    due_on: datetime.date | None,
    created_by: User,
    notify: bool = True,
) -> Action:
    """Agree an action at a recorded meeting; the owner gets an e-mail after commit (not with
    `notify=False`, which the demo uses)."""
    values = _clean_action_values(
        {
            "title": title,
            "description": description,
            "dimension": dimension,
            "core_task": core_task,
            "owner": owner,
            "due_on": due_on,
        }
    )
    unit = dialogue.unit
    committee = dialogue.committee
    errors = _action_errors(values, unit=unit, committee=committee, not_before=dialogue.held_on)
    if errors:
        raise ValidationError(errors)
    action = Action.objects.create(
        round_id=dialogue.round_id,
        dialogue=dialogue,
        unit=unit,
        committee=committee,
        created_by=created_by,
        **values,
    )
    if notify:
        _notify_after_commit(action.pk)
    return action


@transaction.atomic
def action_update(*, action: Action, values: Mapping[str, Any], by: User) -> Action:
    """Change an action: its text, links, owner, due date and status (ACTION_MOVES). Done sets
    the completion date, leaving done clears it. A new owner is told by e-mail after commit.
    `by` is who changed it (for the record of who may; the permission is checked by the view)."""
    unknown = set(values) - set(ACTION_UPDATABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not updatable action fields: {sorted(unknown)}")
    action = (
        Action.objects.select_for_update(of=("self",))
        .select_related("dialogue", "unit", "committee", "owner", "core_task")
        .get(pk=action.pk)
    )
    current = {field: getattr(action, field) for field in ACTION_UPDATABLE_FIELDS}
    cleaned = _clean_action_values({**current, **values})
    status = values.get("status", action.status)
    errors: dict[str, list[str]] = {}
    if status not in Status.values:
        errors["status"] = [_("Choose one of the statuses.")]
    elif status != action.status and status not in ACTION_MOVES[action.status]:
        errors["status"] = [
            _("An action that is “%(current)s” cannot become “%(new)s”.")
            % {"current": Status(action.status).label, "new": Status(status).label}
        ]
    owner_changed = cleaned["owner"] != action.owner
    not_before = (
        action.dialogue.held_on if action.dialogue else timezone.localdate(action.created_at)
    )
    # A date that has not changed is not checked again: editing the text of an old action whose
    # meeting was moved later must not fail on a date nobody touched.
    if cleaned["due_on"] == action.due_on:
        not_before = min(not_before, action.due_on)
    errors.update(
        _action_errors(
            cleaned,
            unit=action.unit,
            committee=action.committee,
            not_before=not_before,
            owner_changed=owner_changed,
        )
    )
    # A core task that was retired after it was linked may stay linked.
    if (
        "core_task" in errors
        and cleaned["core_task"] is not None
        and cleaned["core_task"] == action.core_task
    ):
        del errors["core_task"]
    if errors:
        raise ValidationError(errors)
    changed = [field for field in ACTION_UPDATABLE_FIELDS if field != "status"]
    changed = [field for field in changed if cleaned[field] != current[field]]
    for field in changed:
        setattr(action, field, cleaned[field])
    if status != action.status:
        if status == Status.DONE:
            action.completed_on = timezone.localdate()
        elif action.status == Status.DONE:
            action.completed_on = None
        action.status = status
        changed += ["status", "completed_on"]
    if owner_changed:
        action.owner_notified_at = None
        changed.append("owner_notified_at")
    if changed:
        action.save(update_fields=[*changed, "updated_at"])
    if owner_changed and action.owner_id is not None:
        _notify_after_commit(action.pk)
    return action


# --- E-mails (called by the Celery tasks) ---------------------------------------------------


def _action_link(action_id: int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("socialkapital:action", args=[action_id])


def _send(*, to: str, kind: str, context: dict[str, Any]) -> None:
    """Render and send one e-mail. Users keep no language of their own, so the e-mail is in the
    product's language (Danish) with an English part below, as the survey e-mails; SMTP errors
    propagate for the task to retry."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(
            render_to_string(f"socialkapital/email/{kind}_subject.txt", context).split()
        )
        body = render_to_string(f"socialkapital/email/{kind}_body.txt", context)
    EmailMessage(subject=subject, body=body, to=[to]).send()


def action_owner_notify(*, action_id: int) -> bool:
    """E-mail the action's owner that they own it, once: `owner_notified_at` is claimed with a
    compare-and-set update in the same transaction as the sending, so a task delivered twice
    sends one e-mail and a failed sending leaves the claim undone for the retry. Returns
    whether an e-mail was sent (not for an action without an owner with an e-mail address)."""
    with transaction.atomic():
        action = (
            Action.objects.select_related("owner", "unit", "committee", "round")
            .filter(pk=action_id, owner__isnull=False, owner_notified_at__isnull=True)
            .first()
        )
        if action is None or not action.owner.email or not action.owner.is_active:
            return False
        claimed = Action.objects.filter(
            pk=action.pk, owner_id=action.owner_id, owner_notified_at__isnull=True
        ).update(owner_notified_at=timezone.now())
        if not claimed:
            return False
        _send(
            to=action.owner.email,
            kind="action_owner",
            context={
                "owner_name": action.owner.get_full_name(),
                "title": action.title,
                "description": action.description,
                "where": str(action.unit or action.committee),
                "round_name": action.round.name,
                "due_on": action.due_on,
                "link": _action_link(action.pk),
            },
        )
    return True


def overdue_reminder_send(*, owner_id: int, today: datetime.date | None = None) -> bool:
    """E-mail one owner the list of their overdue open actions. Returns whether one was sent.
    How often is the caller's business (the task allows one a week per owner)."""
    today = today or timezone.localdate()
    owner = User.objects.filter(pk=owner_id, is_active=True).exclude(email="").first()
    if owner is None:
        return False
    actions = list(
        Action.objects.overdue(today)
        .filter(owner=owner)
        .select_related("unit", "committee")
        .order_by("due_on", "pk")
    )
    if not actions:
        return False
    _send(
        to=owner.email,
        kind="action_overdue",
        context={
            "owner_name": owner.get_full_name(),
            "actions": [
                {
                    "title": action.title,
                    "where": str(action.unit or action.committee),
                    "due_on": action.due_on,
                    "link": _action_link(action.pk),
                }
                for action in actions
            ],
            "overview_link": settings.SITE_URL.rstrip("/") + reverse("socialkapital:actions"),
        },
    )
    return True
