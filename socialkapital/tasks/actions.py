"""Celery tasks for the e-mails about agreed actions: thin wrappers around
`socialkapital.services.dialogue`.

- `notify_action_owner(action_id)`: tells the owner they own an action, once per owner
  (`owner_notified_at` is claimed by compare-and-set in the sending's transaction).
- `remind_overdue_actions()`: scheduled daily (CELERY_BEAT_SCHEDULE); enqueues one reminder per
  owner of overdue open actions. Each owner gets at most one reminder per ISO week: the action
  has no field to record it, so the week is marked in the cache (Redis in production, shared by
  every worker) with an atomic `cache.add`. Should the cache lose the mark (a restart, eviction),
  an owner may get a second reminder that week; nobody misses one.

SMTP errors are retried with exponential backoff, at most `MAX_RETRIES` times.
"""

from __future__ import annotations

import datetime
from smtplib import SMTPException

from celery import Task, shared_task
from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from socialkapital.models import Action
from socialkapital.services import dialogue as service

# An unreachable mail server is usually back within the hour: 1, 2, 4, 8 and 16 minutes.
MAX_RETRIES = 5
FIRST_RETRY_SECONDS = 60
# The week's mark outlives the week, so a reminder sent on Sunday is not repeated on Monday of
# the same ISO week after a clock skew; the key names the week, so it never blocks the next one.
REMINDER_MARK_SECONDS = 8 * 24 * 60 * 60

_SENDING_OPTIONS = {
    "bind": True,
    "max_retries": MAX_RETRIES,
    # Idempotent (see the module docstring), so a task whose worker died is run again.
    "acks_late": True,
    # One SMTP conversation; EMAIL_TIMEOUT is 10 s.
    "soft_time_limit": 60,
    "time_limit": 90,
}


def _countdown(task: Task) -> int:
    return FIRST_RETRY_SECONDS * 2**task.request.retries


@shared_task(name="socialkapital.notify_action_owner", **_SENDING_OPTIONS)
def notify_action_owner(self: Task, action_id: int) -> bool:
    """E-mail the action's owner with a link to it, unless already told."""
    try:
        return service.action_owner_notify(action_id=action_id)
    except (SMTPException, OSError, DatabaseError) as exc:
        raise self.retry(exc=exc, countdown=_countdown(self)) from exc


def reminder_mark(owner_id: int, today: datetime.date) -> str:
    year, week, _ = today.isocalendar()
    return f"socialkapital:overdue-reminder:{owner_id}:{year}-W{week:02d}"


@shared_task(name="socialkapital.remind_action_owner", **_SENDING_OPTIONS)
def remind_action_owner(self: Task, owner_id: int, today: str) -> bool:
    """E-mail one owner their overdue actions, unless they had a reminder this week."""
    day = datetime.date.fromisoformat(today)
    mark = reminder_mark(owner_id, day)
    if not cache.add(mark, 1, timeout=REMINDER_MARK_SECONDS):
        return False
    try:
        sent = service.overdue_reminder_send(owner_id=owner_id, today=day)
    except (SMTPException, OSError, DatabaseError) as exc:
        cache.delete(mark)  # not sent: the retry (or tomorrow's run) may send it
        raise self.retry(exc=exc, countdown=_countdown(self)) from exc
    if not sent:
        cache.delete(mark)
    return sent


@shared_task(
    name="socialkapital.remind_overdue_actions",
    bind=True,
    max_retries=MAX_RETRIES,
    acks_late=True,
    soft_time_limit=240,
    time_limit=300,
)
def remind_overdue_actions(self: Task) -> int:
    """Scheduled daily: enqueue a reminder for each owner of overdue open actions. Running it
    twice is harmless: each reminder checks the owner's weekly mark."""
    today = timezone.localdate()
    try:
        owner_ids = sorted(
            set(
                Action.objects.overdue(today)
                .filter(owner__isnull=False, owner__is_active=True)
                .values_list("owner_id", flat=True)
            )
        )
    except DatabaseError as exc:
        raise self.retry(exc=exc, countdown=_countdown(self)) from exc
    for owner_id in owner_ids:
        remind_action_owner.delay(owner_id, today.isoformat())
    return len(owner_ids)
