"""Aggregation of closed rounds (services/aggregation.py), as Celery tasks.

- `aggregate_round(round_id)`: enqueued after a round closes. A round with more responses than
  RESULTS_SPLIT_AT_RESPONSES is split by subtree into a chord: each part's own vectors are
  computed by `aggregate_round_part` on whichever workers are free, and `finish_round_aggregation`
  rolls up, suppresses and writes. A larger deployment adds workers, not code.
- `reconcile_results()`: on the beat schedule; closes rounds left open past their closing time
  and re-enqueues every closed round whose results are missing or stale.

All of them are idempotent (the write replaces the round's rows in one transaction, or does
nothing when the same rows are there), so acks_late is safe: a worker killed mid-task leaves
the old rows, and the task runs again elsewhere. A database that restarts gives an
OperationalError/InterfaceError: the task retries with exponential backoff.
"""

from __future__ import annotations

import logging

from celery import Task, chord, shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from socialkapital.models import Response, SurveyRound
from socialkapital.services import aggregation
from socialkapital.services.rounds import round_close
from socialkapital.services.scoring import ensure_round_scored

logger = logging.getLogger(__name__)

_DATABASE_ERRORS = (OperationalError, InterfaceError)
_MAX_RETRIES = 8
_MAX_BACKOFF_SECONDS = 120


def _retry(task: Task, exc: Exception) -> None:
    # 1, 2, 4, ... seconds, capped: a restarting PostgreSQL is back within seconds, a failover
    # within a minute or two; after eight tries the reconciler picks the round up again.
    countdown = min(_MAX_BACKOFF_SECONDS, 2**task.request.retries)
    logger.warning("%s failed (%s), retry in %ss", task.name, type(exc).__name__, countdown)
    raise task.retry(exc=exc, countdown=countdown, max_retries=_MAX_RETRIES)


def _close_database_connections() -> None:
    # After a database restart the worker's connection is dead; drop it so the retry reconnects.
    from django.db import close_old_connections

    close_old_connections()


@shared_task(
    bind=True,
    name="socialkapital.aggregate_round",
    acks_late=True,
    soft_time_limit=10 * 60,
    time_limit=11 * 60,
)
def aggregate_round(self: Task, round_id: int) -> dict[str, object]:
    try:
        responses = Response.objects.filter(round_id=round_id).count()
        split_at = settings.RESULTS_SPLIT_AT_RESPONSES
        if settings.RESULTS_PARTS > 1 and responses >= split_at:
            survey_round = SurveyRound.objects.get(pk=round_id)
            ensure_round_scored(round_id=round_id)
            parts = aggregation.split_parts(survey_round, settings.RESULTS_PARTS)
            chord(aggregate_round_part.s(round_id, part.as_json()) for part in parts)(
                finish_round_aggregation.s(round_id)
            )
            return {"round": round_id, "parts": len(parts)}
        outcome = aggregation.aggregate_round(round_id=round_id)
    except SurveyRound.DoesNotExist:
        return {"round": round_id, "skipped": "no such round"}
    except ValidationError:
        # Reopened (or never closed) meanwhile: nothing to aggregate; closing enqueues it again.
        return {"round": round_id, "skipped": "not closed"}
    except _DATABASE_ERRORS as exc:
        _close_database_connections()
        _retry(self, exc)
    return {"round": round_id, "written": outcome.written, "version": outcome.version}


@shared_task(
    bind=True,
    name="socialkapital.aggregate_round_part",
    acks_late=True,
    soft_time_limit=10 * 60,
    time_limit=11 * 60,
)
def aggregate_round_part(self: Task, round_id: int, part: dict) -> dict[str, dict]:
    """One part's own vectors (unit id → measure key → vector), read only: safe to repeat."""
    try:
        survey_round = SurveyRound.objects.select_related("questionnaire").get(pk=round_id)
        vectors = aggregation.own_vectors(survey_round, part=aggregation.Part.from_json(part))
    except _DATABASE_ERRORS as exc:
        _close_database_connections()
        _retry(self, exc)
    return {str(unit_id): unit_vectors for unit_id, unit_vectors in vectors.items()}


@shared_task(
    bind=True,
    name="socialkapital.finish_round_aggregation",
    acks_late=True,
    soft_time_limit=10 * 60,
    time_limit=11 * 60,
)
def finish_round_aggregation(self: Task, parts: list[dict], round_id: int) -> dict[str, object]:
    try:
        outcome = aggregation.aggregate_round(
            round_id=round_id, own=aggregation.merge_vectors(parts)
        )
    except (SurveyRound.DoesNotExist, ValidationError):
        return {"round": round_id, "skipped": True}
    except _DATABASE_ERRORS as exc:
        _close_database_connections()
        _retry(self, exc)
    return {"round": round_id, "written": outcome.written, "version": outcome.version}


@shared_task(
    bind=True,
    name="socialkapital.reconcile_results",
    acks_late=True,
    soft_time_limit=4 * 60,
    time_limit=5 * 60,
)
def reconcile_results(self: Task) -> dict[str, list[int]]:
    """Close rounds past their closing time and enqueue every round whose results are missing
    or stale. Closing enqueues its own aggregation after commit."""
    try:
        closed: list[int] = []
        overdue = SurveyRound.objects.open().filter(closes_at__lte=timezone.now())
        for survey_round in overdue:
            try:
                round_close(survey_round=survey_round, now=survey_round.closes_at)
            except ValidationError:
                continue  # closed by someone else meanwhile
            closed.append(survey_round.pk)
        stale = [pk for pk in aggregation.rounds_needing_results() if pk not in closed]
    except _DATABASE_ERRORS as exc:
        _close_database_connections()
        _retry(self, exc)
    for round_id in stale:
        aggregate_round.delay(round_id)
    return {"closed": closed, "enqueued": stale}
