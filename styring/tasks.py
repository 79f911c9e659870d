"""Aggregation of value signals (services/signal_aggregation.py) and review reminders
(services/reminders.py), as Celery tasks.

- `aggregate_value_signals(period)`: aggregates one ended quarter.
- `reconcile_value_signals()`: on the beat schedule (hourly); enqueues every ended quarter
  whose aggregation is missing or stale, so a quarter is aggregated soon after it ends and
  again if a late signal committed after that.

Both are idempotent (the write replaces the period's rows in one transaction, or does nothing
when the same rows are there), so acks_late is safe: a worker killed midway leaves the old rows
and the task runs again elsewhere. A database that restarts gives an OperationalError or
InterfaceError: the task retries with exponential backoff, up to a maximum, after which the
next reconciliation picks the period up again.

- `remind_due_reviews()`: on the beat schedule (weekday mornings); enqueues one reminder per
  owner of instruments whose review date is near or passed and not yet reminded of.
- `remind_review_owner(owner_id, today)`: e-mails one owner. Idempotent: the review date
  reminded of is claimed in the sending's transaction, so a task delivered twice sends once.
  SMTP errors are retried with exponential backoff (1, 2, 4, 8, 16 minutes), at most
  `_MAIL_MAX_RETRIES` times; an owner still not reached is picked up by the next day's run.
"""

from __future__ import annotations

import datetime
import logging
from smtplib import SMTPException

from celery import Task, shared_task
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections
from django.utils import timezone

from styring.services import reminders, signal_aggregation

logger = logging.getLogger(__name__)

_DATABASE_ERRORS = (OperationalError, InterfaceError)
_MAX_RETRIES = 8
_MAX_BACKOFF_SECONDS = 120


def _retry(task: Task, exc: Exception) -> None:
    # 1, 2, 4, ... seconds, capped: a restarting database is back within seconds, a failover
    # within a minute or two. A dead connection is dropped so that the retry reconnects.
    close_old_connections()
    countdown = min(_MAX_BACKOFF_SECONDS, 2**task.request.retries)
    logger.warning("%s failed (%s), retry in %ss", task.name, type(exc).__name__, countdown)
    raise task.retry(exc=exc, countdown=countdown, max_retries=_MAX_RETRIES)


@shared_task(
    bind=True,
    name="styring.aggregate_value_signals",
    acks_late=True,
    max_retries=_MAX_RETRIES,
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
)
def aggregate_value_signals(self: Task, period: str) -> dict[str, str]:
    try:
        signal_aggregation.aggregate_period(period=period)
    except ValueError:
        # Not ended yet (or not a period): a figure of an open quarter would reveal answers.
        return {"period": period, "skipped": "not ended"}
    except _DATABASE_ERRORS as exc:
        _retry(self, exc)
    return {"period": period, "aggregated": "yes"}


@shared_task(
    bind=True,
    name="styring.reconcile_value_signals",
    acks_late=True,
    max_retries=_MAX_RETRIES,
    soft_time_limit=2 * 60,
    time_limit=3 * 60,
)
def reconcile_value_signals(self: Task) -> dict[str, list[str]]:
    try:
        needing = signal_aggregation.periods_needing_aggregation()
    except _DATABASE_ERRORS as exc:
        _retry(self, exc)
    for period in needing:
        aggregate_value_signals.delay(period)
    return {"enqueued": needing}


# --- Review reminders -----------------------------------------------------------------------

# An unreachable mail server is usually back within the hour: 1, 2, 4, 8 and 16 minutes.
_MAIL_MAX_RETRIES = 5
_MAIL_FIRST_RETRY_SECONDS = 60


@shared_task(
    bind=True,
    name="styring.remind_review_owner",
    # Idempotent (the claim and the sending share a transaction), so a lost worker's task runs
    # again elsewhere.
    acks_late=True,
    max_retries=_MAIL_MAX_RETRIES,
    # One SMTP conversation; EMAIL_TIMEOUT is 10 s.
    soft_time_limit=60,
    time_limit=90,
)
def remind_review_owner(self: Task, owner_id: int, today: str) -> bool:
    """E-mail one owner the review dates they have not been reminded of."""
    try:
        return reminders.review_reminder_send(
            owner_id=owner_id, today=datetime.date.fromisoformat(today)
        )
    except (SMTPException, OSError, DatabaseError) as exc:
        close_old_connections()
        countdown = _MAIL_FIRST_RETRY_SECONDS * 2**self.request.retries
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(
    bind=True,
    name="styring.remind_due_reviews",
    acks_late=True,
    max_retries=_MAX_RETRIES,
    soft_time_limit=4 * 60,
    time_limit=5 * 60,
)
def remind_due_reviews(self: Task) -> int:
    """Scheduled: enqueue a reminder for each owner to remind. Running it twice is harmless:
    each reminder claims its review dates before it sends."""
    today = timezone.localdate()
    try:
        owner_ids = reminders.review_reminder_owner_ids(today=today)
    except _DATABASE_ERRORS as exc:
        _retry(self, exc)
    for owner_id in owner_ids:
        remind_review_owner.delay(owner_id, today.isoformat())
    return len(owner_ids)
