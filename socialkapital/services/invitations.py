"""Invitation and reminder e-mails with personal survey links.

Every e-mail carries a new link: a token of 256 random bits made at the moment of sending, of
which only the SHA-256 hash is stored (an InvitationLink). The token lives in one local variable
of `_deliver` and in the e-mail itself: it is never logged, never part of an exception, never a
task argument and never stored. The link row and the invitation's `sent_at` (or reminder count)
are written in the same transaction as the sending, so a failed sending leaves neither behind.

Who is due is decided here; the Celery tasks in `socialkapital.tasks.invitations` only call
these functions and retry on delivery errors.
"""

from __future__ import annotations

import datetime
import secrets
from smtplib import SMTPException

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from socialkapital.log_filters import redact
from socialkapital.models import DeliveryFailure, Invitation, InvitationLink, SurveyRound
from socialkapital.services import answering
from socialkapital.services.rounds import round_accepts_answers

__all__ = [
    "MAX_REMINDERS",
    "REMINDER_SPACING",
    "DeliveryError",
    "delivery_failure_record",
    "invitation_ids_to_send",
    "invitation_send",
    "reminder_ids_due",
    "reminder_send",
    "reminders_candidates",
    "reminders_possible",
    "reminders_send_now",
]

# Nobody gets more than three reminders in a round, and never two within three days: a survey
# that nags is a survey people stop trusting.
MAX_REMINDERS = 3
REMINDER_SPACING = datetime.timedelta(days=3)

TOKEN_BYTES = 32  # 256 random bits; the issue asks for at least 128


class DeliveryError(Exception):
    """An e-mail could not be handed to the mail server. Its message names the error's class
    and text with any token removed; the original exception (whose traceback frames hold the
    message and so the link) is deliberately not chained."""


def _accepting_rounds_q(now: datetime.datetime, prefix: str = "round__") -> Q:
    """`round_accepts_answers` as a filter on related rounds."""
    return Q(
        **{
            f"{prefix}status": SurveyRound.Status.OPEN,
            f"{prefix}opens_at__lte": now,
            f"{prefix}closes_at__gt": now,
        }
    )


def _link_for(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("socialkapital:start_token", args=[token])


def _describe(error: BaseException, token: str) -> str:
    """The error's class and message, without the token (a server may echo what it was sent)
    and without anything that looks like a survey link or code."""
    text = redact(str(error).replace(token, "[skjult]"))
    return f"{type(error).__name__}: {text}"[:500]


def _deliver(invitation: Invitation, *, kind: str) -> None:
    """Make a new link for the invitation, store its hash and send the e-mail with it.

    Runs inside the caller's transaction: when sending fails, DeliveryError is raised and the
    caller's transaction rolls the link back, so no link exists that nobody received.
    """
    token = secrets.token_urlsafe(TOKEN_BYTES)
    InvitationLink.objects.create(invitation=invitation, token_hash=answering.hash_token(token))
    context = {
        "round_name": invitation.round.name,
        "unit_name": invitation.unit.name,
        "closes_at": invitation.round.closes_at,
        "link": _link_for(token),
    }
    subject = " ".join(render_to_string(f"socialkapital/email/{kind}_subject.txt", context).split())
    body = render_to_string(f"socialkapital/email/{kind}_body.txt", context)
    message = EmailMessage(subject=subject, body=body, to=[invitation.email])
    error: str | None = None
    try:
        message.send()
    except (SMTPException, OSError) as exc:
        error = _describe(exc, token)
    if error is None:
        return
    # Raised outside the except block, so the mail server's exception (and its frames, which
    # hold the message with the link) is not chained to what reaches logs and error reports.
    del token, message, body, context
    raise DeliveryError(error)


def invitation_ids_to_send(*, round_id: int) -> list[int]:
    """The round's invitations that have an e-mail address and have not been sent."""
    return list(
        Invitation.objects.filter(round_id=round_id, sent_at__isnull=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# A round whose invitations are still all unsent this long after opening lost its enqueuing
# (the broker was down when it opened): the reconciler enqueues them again.
INVITATIONS_LOST_AFTER = datetime.timedelta(minutes=10)


def rounds_with_lost_invitations(*, now: datetime.datetime | None = None) -> list[int]:
    """Open rounds, opened more than INVITATIONS_LOST_AFTER ago, with invitations to e-mail of
    which none has been sent. A round where some went out is left alone: its unsent ones are
    failures the sending task has reported, not lost work, and retrying them every few minutes
    would only repeat the failure."""
    now = now or timezone.now()
    unsent = Invitation.objects.filter(round=OuterRef("pk"), sent_at__isnull=True).exclude(email="")
    sent = Invitation.objects.filter(round=OuterRef("pk"), sent_at__isnull=False)
    return list(
        SurveyRound.objects.open()
        .filter(opened_at__lte=now - INVITATIONS_LOST_AFTER)
        .filter(Exists(unsent), ~Exists(sent))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def invitation_send(*, invitation_id: int) -> bool:
    """E-mail the invitation with a new personal link, once. Returns whether a mail was sent;
    an invitation already sent or answered, without e-mail, or whose round does not accept
    answers is skipped, so running this twice sends one mail."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("round", "unit")
            .filter(pk=invitation_id)
            .first()
        )
        if (
            invitation is None
            or invitation.sent_at is not None
            or invitation.answered
            or not invitation.email
            or not round_accepts_answers(invitation.round)
        ):
            return False
        _deliver(invitation, kind="invitation")
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return True


def reminder_send(*, invitation_id: int, number: int) -> bool:
    """Send reminder number `number` (1, 2, 3) with a new link. Idempotent: it is sent only
    while the invitation has had `number - 1` reminders, so a task delivered twice sends one
    mail. Older links keep working until the invitation is answered."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("round", "unit")
            .filter(pk=invitation_id)
            .first()
        )
        if (
            invitation is None
            or number > MAX_REMINDERS
            or invitation.reminders_sent != number - 1
            or invitation.sent_at is None
            or invitation.answered
            or not invitation.email
            or not round_accepts_answers(invitation.round)
        ):
            return False
        _deliver(invitation, kind="reminder")
        invitation.reminders_sent = number
        invitation.reminded_at = timezone.now()
        invitation.save(update_fields=["reminders_sent", "reminded_at"])
    return True


def delivery_failure_record(
    *, invitation_id: int, kind: str, attempt: int, error: str, final: bool
) -> None:
    """Record a failed sending for HR to follow up, in its own transaction so that it stays
    when the sending's transaction rolls back."""
    with transaction.atomic():
        if Invitation.objects.filter(pk=invitation_id).exists():
            DeliveryFailure.objects.create(
                invitation_id=invitation_id,
                kind=kind,
                attempt=attempt,
                error=redact(error)[:500],
                final=final,
            )


def reminders_candidates(survey_round: SurveyRound) -> QuerySet[Invitation]:
    """Invitations of the round that may get a reminder now, regardless of spacing: sent by
    e-mail, not answered, and below the cap."""
    return Invitation.objects.filter(
        round=survey_round,
        sent_at__isnull=False,
        answered_on__isnull=True,
        reminders_sent__lt=MAX_REMINDERS,
    ).exclude(email="")


def reminder_ids_due(*, now: datetime.datetime | None = None) -> list[tuple[int, int]]:
    """(invitation id, reminder number) for every invitation due a scheduled reminder: its round
    accepts answers, it was sent, is not answered, is below the cap, and its last e-mail (the
    invitation or the latest reminder) went out at least three days ago."""
    now = now or timezone.now()
    rows = (
        Invitation.objects.filter(
            _accepting_rounds_q(now),
            sent_at__isnull=False,
            answered_on__isnull=True,
            reminders_sent__lt=MAX_REMINDERS,
        )
        .exclude(email="")
        .alias(last_mail=Coalesce("reminded_at", "sent_at"))
        .filter(last_mail__lte=now - REMINDER_SPACING)
        .order_by("pk")
        .values_list("pk", "reminders_sent")
    )
    return [(pk, sent + 1) for pk, sent in rows]


def reminders_possible(survey_round: SurveyRound) -> bool:
    """Whether reminders can be sent for the round now (it accepts answers)."""
    return round_accepts_answers(survey_round)


def reminders_send_now(*, survey_round: SurveyRound) -> int:
    """HR's on-demand reminder for a round: everyone who may get one now (ignoring the
    three-day spacing, never those who answered) gets it. Returns how many; the mails go out
    from Celery after the transaction commits."""
    from socialkapital.tasks.invitations import send_reminder  # tasks import services

    if not reminders_possible(survey_round):
        raise ValidationError(_("Reminders can only be sent while the round accepts answers."))
    with transaction.atomic():
        due = list(reminders_candidates(survey_round).values_list("pk", "reminders_sent"))
        for pk, sent in due:
            transaction.on_commit(lambda pk=pk, number=sent + 1: send_reminder.delay(pk, number))
    return len(due)
