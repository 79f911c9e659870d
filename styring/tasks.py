"""Aggregation of value signals (services/signal_aggregation.py), as Celery tasks.

- `aggregate_value_signals(period)`: aggregates one ended quarter.
- `reconcile_value_signals()`: on the beat schedule (hourly); enqueues every ended quarter
  whose aggregation is missing or stale, so a quarter is aggregated soon after it ends and
  again if a late signal committed after that.

Both are idempotent (the write replaces the period's rows in one transaction, or does nothing
when the same rows are there), so acks_late is safe: a worker killed midway leaves the old rows
and the task runs again elsewhere. A database that restarts gives an OperationalError or
InterfaceError: the task retries with exponential backoff, up to a maximum, after which the
next reconciliation picks the period up again.
"""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError, close_old_connections

from styring.services import signal_aggregation

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
