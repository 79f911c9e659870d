"""The nightly deletion of raw survey answers past their retention period (scheduled as
"socialkapital.delete_expired_answers" in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.db import DatabaseError

from socialkapital.services.retention import delete_expired_raw_answers

logger = logging.getLogger(__name__)

# A database that restarts or fails over is back within minutes; after five tries (about
# 1 + 2 + 4 + 8 + 16 minutes) the next night's run does the work anyway.
_MAX_RETRIES = 5
_FIRST_RETRY_SECONDS = 60


@shared_task(
    bind=True,
    name="socialkapital.delete_expired_answers",
    max_retries=_MAX_RETRIES,
    # Idempotent: a round already cleared is skipped, and each round is cleared in one
    # transaction, so a rerun after a crash finishes the job without doing anything twice.
    acks_late=True,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def delete_expired_answers(self: Task) -> int:
    """Delete the raw answers of closed rounds past their retention period."""
    try:
        deleted = delete_expired_raw_answers()
    except DatabaseError as exc:
        countdown = _FIRST_RETRY_SECONDS * 2**self.request.retries
        logger.warning("delete_expired_answers failed, retrying in %ss: %s", countdown, exc)
        raise self.retry(exc=exc, countdown=countdown) from exc
    logger.info("Retention: deleted %d expired survey responses", deleted)
    return deleted
