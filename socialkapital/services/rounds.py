"""Writes for survey rounds: create, edit, and the status workflow draft → open → closed.

Opening a round freezes two things (DESIGN.md, Anonymity): the list of invited employees (one
Invitation per active employee whose home unit is an active unit in the round's scope) and the
minimum group size k. After opening, only the name and the retention period may change; the
closing time moves through "extend". A refused action raises `ValidationError`.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organisation import audit
from organisation.models import OrgUnit, User
from socialkapital.models import (
    MIN_GROUP_SIZE_FLOOR,
    Invitation,
    Questionnaire,
    SurveyRound,
)

__all__ = [
    "EDITABLE_AFTER_OPENING",
    "ROUND_ACTIONS",
    "can_reopen",
    "round_accepts_answers",
    "round_close",
    "round_create",
    "round_extend",
    "round_open",
    "round_update",
]

Status = SurveyRound.Status

# Actions of the status form and the statuses they start from. "extend" on a closed round is
# further limited by can_reopen().
ROUND_ACTIONS: dict[str, tuple[str, ...]] = {
    "open": (Status.DRAFT,),
    "close": (Status.OPEN,),
    "extend": (Status.OPEN, Status.CLOSED),
}

# Everything else is frozen when the round opens: the questionnaire (people answer it), the scope
# (the invitation list), k and who agreed it (the anonymity promise), and the dates (the
# closing time moves only through "extend").
EDITABLE_AFTER_OPENING = ("name", "retention_days")
_ROUND_FIELDS = (
    "name",
    "questionnaire",
    "scope",
    "opens_at",
    "closes_at",
    "min_group_size",
    "min_group_size_agreed_by",
    "retention_days",
)
_MAX_GROUP_SIZE = 50  # as the model's validator


def round_accepts_answers(survey_round: SurveyRound, now: datetime.datetime | None = None) -> bool:
    """Whether answers may be submitted now: open, and between its opening and closing time. A
    round left open past its closing time is treated as closed."""
    now = now or timezone.now()
    return (
        survey_round.status == Status.OPEN and survey_round.opens_at <= now < survey_round.closes_at
    )


def can_reopen(survey_round: SurveyRound) -> bool:
    """Whether a closed round may be extended, which opens it again.

    Only while its raw answers still exist and before its results are out: new answers would
    move figures people have already seen, and the difference would reveal the new answers.
    """
    return (
        survey_round.status == Status.CLOSED
        and survey_round.raw_answers_deleted_at is None
        and not survey_round.results_version
    )


def _check_values(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    k = values.get("min_group_size")
    if k is None or k < MIN_GROUP_SIZE_FLOOR:
        errors["min_group_size"] = [
            _("The minimum group size must be at least %(floor)d.")
            % {"floor": MIN_GROUP_SIZE_FLOOR}
        ]
    elif k > _MAX_GROUP_SIZE:
        errors["min_group_size"] = [
            _("The minimum group size can be at most %(most)d.") % {"most": _MAX_GROUP_SIZE}
        ]
    if not (values.get("min_group_size_agreed_by") or "").strip():
        errors["min_group_size_agreed_by"] = [
            _("Say who agreed the minimum group size, for example the main MED committee.")
        ]
    opens_at, closes_at = values.get("opens_at"), values.get("closes_at")
    if opens_at and closes_at and closes_at <= opens_at:
        errors["closes_at"] = [_("The round must close after it opens.")]
    retention = values.get("retention_days")
    if retention is None or retention < 1:
        errors["retention_days"] = [_("Keep the raw answers for at least one day.")]
    if not (values.get("name") or "").strip():
        errors["name"] = [_("Give the round a name.")]
    questionnaire = values.get("questionnaire")
    if questionnaire is not None and not questionnaire.entries.exists():
        errors["questionnaire"] = [_("This questionnaire has no items.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def round_create(
    *,
    author: User,
    name: str,
    questionnaire: Questionnaire,
    scope: OrgUnit,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    min_group_size: int,
    min_group_size_agreed_by: str,
    retention_days: int,
) -> SurveyRound:
    """A new round, as a draft."""
    values = {
        "name": name.strip(),
        "questionnaire": questionnaire,
        "scope": scope,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "min_group_size": min_group_size,
        "min_group_size_agreed_by": min_group_size_agreed_by.strip(),
        "retention_days": retention_days,
    }
    _check_values(values)
    return SurveyRound.objects.create(**values, created_by=author)


@transaction.atomic
def round_update(*, survey_round: SurveyRound, values: dict[str, Any]) -> SurveyRound:
    """Change a round. A draft may change everything; an opened round only EDITABLE_AFTER_OPENING,
    and a changed k (or anything else frozen) is refused."""
    survey_round = SurveyRound.objects.select_for_update().get(pk=survey_round.pk)
    unknown = set(values) - set(_ROUND_FIELDS)
    if unknown:
        raise ValueError(f"Not round fields: {sorted(unknown)}")
    values = {
        key: value.strip() if isinstance(value, str) else value for key, value in values.items()
    }
    if survey_round.status != Status.DRAFT:
        frozen = [
            field
            for field, value in values.items()
            if field not in EDITABLE_AFTER_OPENING and getattr(survey_round, field) != value
        ]
        if "min_group_size" in frozen or "min_group_size_agreed_by" in frozen:
            raise ValidationError(
                {"min_group_size": [_("The minimum group size was fixed when the round opened.")]}
            )
        if frozen:
            raise ValidationError(
                _(
                    "The round has opened: only its name and retention period can change. "
                    "Use “Extend” to move the closing time."
                )
            )
    merged = {field: getattr(survey_round, field) for field in _ROUND_FIELDS}
    merged.update(values)
    _check_values(merged)
    changed = [field for field, value in values.items() if getattr(survey_round, field) != value]
    for field in changed:
        setattr(survey_round, field, values[field])
    if changed:
        survey_round.save(update_fields=changed)
    return survey_round


def _locked(survey_round: SurveyRound, action: str) -> SurveyRound:
    """The round's current row, locked, or a refusal when `action` does not fit its status."""
    locked = SurveyRound.objects.select_for_update().get(pk=survey_round.pk)
    if locked.status not in ROUND_ACTIONS[action]:
        messages = {
            "open": _("Only a draft round can be opened."),
            "close": _("Only an open round can be closed."),
            "extend": _("Only an open or closed round can be extended."),
        }
        raise ValidationError(messages[action])
    return locked


def _enqueue_invitations(round_id: int) -> None:
    # Imported here so that this module does not depend on the invitations module at import
    # time (it is written alongside, and it imports the services).
    from kombu.exceptions import OperationalError as BrokerUnavailable

    from socialkapital.tasks.invitations import send_round_invitations

    try:
        send_round_invitations.delay(round_id)
    except BrokerUnavailable as error:
        # The round is open (committed) whether or not the broker answers; the invitation
        # reconciler (every ten minutes) enqueues them once it is back.
        logging.getLogger(__name__).warning(
            "invitations of round %s not enqueued, broker unavailable (%s); the reconciler "
            "will enqueue them",
            round_id,
            error.__class__.__name__,
        )


@transaction.atomic
def round_open(*, survey_round: SurveyRound, now: datetime.datetime | None = None) -> SurveyRound:
    """Open a draft round: freeze the invitation list and k, then (after commit) send the
    invitations. Opening before the planned time opens it now."""
    now = now or timezone.now()
    survey_round = _locked(survey_round, "open")
    if survey_round.closes_at <= now:
        raise ValidationError(
            {"closes_at": [_("The closing time has passed. Move it into the future first.")]}
        )
    if not survey_round.questionnaire.entries.exists():
        raise ValidationError(_("The round's questionnaire has no items."))
    scope_path = OrgUnit.objects.values_list("path", flat=True).get(pk=survey_round.scope_id)
    invited = User.objects.filter(
        is_active=True, home_unit__active=True, home_unit__path__startswith=scope_path
    ).values_list("pk", "home_unit_id", "email")
    Invitation.objects.bulk_create(
        Invitation(round=survey_round, user_id=user_id, unit_id=unit_id, email=email or "")
        for user_id, unit_id, email in invited
    )
    survey_round.status = Status.OPEN
    survey_round.opened_at = now
    fields = ["status", "opened_at"]
    if survey_round.opens_at > now:
        survey_round.opens_at = now
        fields.append("opens_at")
    survey_round.save(update_fields=fields)
    audit.record(
        actor=audit.request_actor(),
        action="round.opened",
        target=survey_round,
        details={
            "k": survey_round.min_group_size,
            "k_agreed_by": survey_round.min_group_size_agreed_by,
        },
    )
    round_id = survey_round.pk
    transaction.on_commit(lambda: _enqueue_invitations(round_id))
    return survey_round


def _enqueue_aggregation(round_id: int) -> None:
    from kombu.exceptions import OperationalError as BrokerUnavailable

    from socialkapital.tasks.results import aggregate_round

    try:
        aggregate_round.delay(round_id)
    except BrokerUnavailable as error:
        # The round is closed (committed) whether or not the broker answers; the reconciler
        # (every ten minutes) enqueues every closed round without results once it is back.
        logging.getLogger(__name__).warning(
            "aggregation of round %s not enqueued, broker unavailable (%s); the reconciler "
            "will enqueue it",
            round_id,
            error.__class__.__name__,
        )


@transaction.atomic
def round_close(*, survey_round: SurveyRound, now: datetime.datetime | None = None) -> SurveyRound:
    """Close an open round, then (after commit) aggregate its results: never before, since a
    figure that moves with each new answer would reveal that answer."""
    survey_round = _locked(survey_round, "close")
    survey_round.status = Status.CLOSED
    survey_round.closed_at = now or timezone.now()
    survey_round.save(update_fields=["status", "closed_at"])
    audit.record(actor=audit.request_actor(), action="round.closed", target=survey_round)
    round_id = survey_round.pk
    transaction.on_commit(lambda: _enqueue_aggregation(round_id))
    return survey_round


@transaction.atomic
def round_extend(
    *,
    survey_round: SurveyRound,
    closes_at: datetime.datetime | None,
    now: datetime.datetime | None = None,
) -> SurveyRound:
    """Move the closing time later. A closed round is opened again, while can_reopen() allows."""
    now = now or timezone.now()
    survey_round = _locked(survey_round, "extend")
    if survey_round.status == Status.CLOSED and not can_reopen(survey_round):
        if survey_round.results_version:
            raise ValidationError(
                _("This round can no longer be reopened: its results have been published.")
            )
        raise ValidationError(
            _("This round can no longer be reopened: its raw answers have been deleted.")
        )
    if closes_at is None:
        raise ValidationError({"closes_at": [_("Give the new closing time.")]})
    if closes_at <= now:
        raise ValidationError({"closes_at": [_("The new closing time must be in the future.")]})
    # A closed round may have closed early, so for it any future time is a later one.
    if survey_round.status == Status.OPEN and closes_at <= survey_round.closes_at:
        raise ValidationError(
            {"closes_at": [_("The new closing time must be later than the present one.")]}
        )
    survey_round.closes_at = closes_at
    fields = ["closes_at"]
    if survey_round.status == Status.CLOSED:
        survey_round.status = Status.OPEN
        survey_round.closed_at = None
        fields += ["status", "closed_at"]
    survey_round.save(update_fields=fields)
    audit.record(
        actor=audit.request_actor(),
        action="round.extended",
        target=survey_round,
        details={"closes_at": closes_at.isoformat(), "reopened": "status" in fields},
    )
    return survey_round
