"""Celery tasks for invitation and reminder e-mails: thin wrappers around
`socialkapital.services.invitations`.

They take ids only. The personal token is made inside the service at the moment of sending,
so it is never a task argument and never in the broker. Each task is idempotent (an invitation
is sent while `sent_at` is empty; reminder number n while n - 1 reminders were sent), so late
acknowledgement and redelivery are safe. A delivery error is recorded as a DeliveryFailure and
retried with exponential backoff, at most `MAX_RETRIES` times.
"""

from __future__ import annotations

from celery import Task, shared_task
from django.db import DatabaseError

from socialkapital.services import invitations as service

# An unreachable mail server is usually back within the hour: 1, 2, 4, 8 and 16 minutes.
MAX_RETRIES = 5
FIRST_RETRY_SECONDS = 60

_SENDING_OPTIONS = {
    "bind": True,
    "max_retries": MAX_RETRIES,
    # Idempotent (see the module docstring), so a task whose worker died is run again.
    "acks_late": True,
    # One SMTP conversation; EMAIL_TIMEOUT is 10 s.
    "soft_time_limit": 60,
    "time_limit": 90,
}


def _retry_after_failure(
    task: Task, error: service.DeliveryError, *, invitation_id: int, kind: str
) -> Exception:
    """Record the failed attempt, then retry with backoff (or give up after the last one)."""
    retries = task.request.retries
    service.delivery_failure_record(
        invitation_id=invitation_id,
        kind=kind,
        attempt=retries + 1,
        error=str(error),
        final=retries >= task.max_retries,
    )
    # The DeliveryError carries no token; after the last retry Celery raises it as the failure.
    return task.retry(exc=error, countdown=FIRST_RETRY_SECONDS * 2**retries)


@shared_task(name="socialkapital.send_invitation", **_SENDING_OPTIONS)
def send_invitation(self: Task, invitation_id: int) -> bool:
    """E-mail one invitation with a new personal link, unless already sent or answered."""
    try:
        return service.invitation_send(invitation_id=invitation_id)
    except service.DeliveryError as error:
        raise _retry_after_failure(
            self, error, invitation_id=invitation_id, kind="invitation"
        ) from None


@shared_task(name="socialkapital.send_reminder", **_SENDING_OPTIONS)
def send_reminder(self: Task, invitation_id: int, number: int) -> bool:
    """E-mail reminder number `number` with a new personal link, unless already sent,
    answered or over the cap."""
    try:
        return service.reminder_send(invitation_id=invitation_id, number=number)
    except service.DeliveryError as error:
        raise _retry_after_failure(
            self, error, invitation_id=invitation_id, kind="reminder"
        ) from None


# The two tasks below only read ids and enqueue; a database that is failing over is retried.
_ENQUEUING_OPTIONS = {
    "bind": True,
    "max_retries": MAX_RETRIES,
    "acks_late": True,
    "soft_time_limit": 240,
    "time_limit": 300,
}


@shared_task(name="socialkapital.send_round_invitations", **_ENQUEUING_OPTIONS)
def send_round_invitations(self: Task, round_id: int) -> int:
    """Enqueue one sending per invitation of the round with an e-mail and not yet sent.
    Running it twice is harmless: each sending checks `sent_at` itself."""
    try:
        ids = service.invitation_ids_to_send(round_id=round_id)
    except DatabaseError as exc:
        raise self.retry(exc=exc, countdown=FIRST_RETRY_SECONDS * 2**self.request.retries) from exc
    for invitation_id in ids:
        send_invitation.delay(invitation_id)
    return len(ids)


@shared_task(name="socialkapital.reconcile_invitations", **_ENQUEUING_OPTIONS)
def reconcile_invitations(self: Task) -> list[int]:
    """Scheduled (CELERY_BEAT_SCHEDULE): enqueue the invitations of every open round whose
    invitations were never enqueued (the broker was down when it opened)."""
    try:
        lost = service.rounds_with_lost_invitations()
    except DatabaseError as exc:
        raise self.retry(exc=exc, countdown=FIRST_RETRY_SECONDS * 2**self.request.retries) from exc
    for round_id in lost:
        send_round_invitations.delay(round_id)
    return lost


@shared_task(name="socialkapital.send_due_reminders", **_ENQUEUING_OPTIONS)
def send_due_reminders(self: Task) -> int:
    """Scheduled (CELERY_BEAT_SCHEDULE): enqueue a reminder for everyone due one. Running it
    twice is harmless: reminder number n is sent only after n - 1."""
    try:
        due = service.reminder_ids_due()
    except DatabaseError as exc:
        raise self.retry(exc=exc, countdown=FIRST_RETRY_SECONDS * 2**self.request.retries) from exc
    for invitation_id, number in due:
        send_reminder.delay(invitation_id, number)
    return len(due)
