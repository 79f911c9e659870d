"""Deleting raw survey answers when a round's retention period has passed (DESIGN.md; README).

Raw answers (Response and Answer rows) are kept for `retention_days` after the round closed,
then deleted; aggregated results are kept, and so are the invitations (they hold no answers,
only that someone answered), so response rates stay readable.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from socialkapital.models import Answer, Response, ResponseScore, SurveyRound

__all__ = ["delete_expired_raw_answers", "raw_answers_expire_at"]

logger = logging.getLogger(__name__)


def raw_answers_expire_at(survey_round: SurveyRound) -> datetime.datetime:
    """When the round's raw answers are due for deletion: its retention period after it closed
    (or after its planned closing time, when no closing was recorded)."""
    closed = survey_round.closed_at or survey_round.closes_at
    return closed + datetime.timedelta(days=survey_round.retention_days)


def delete_expired_raw_answers(now: datetime.datetime | None = None) -> int:
    """Delete the raw answers of every closed round past its retention period, one round per
    transaction, and mark the round. Returns the number of responses deleted. Idempotent: a
    round already marked is skipped, and a crash midway leaves whole rounds done or untouched."""
    now = now or timezone.now()
    # Closed rounds not yet cleared are few (a handful a year), so the date arithmetic is done in
    # Python, the same on SQLite and PostgreSQL.
    candidates = SurveyRound.objects.filter(
        status=SurveyRound.Status.CLOSED, raw_answers_deleted_at__isnull=True
    ).only("pk", "closed_at", "closes_at", "retention_days")
    deleted_responses = 0
    for candidate in candidates:
        if raw_answers_expire_at(candidate) > now:
            continue
        deleted_responses += _delete_round_answers(candidate.pk, now)
    return deleted_responses


@transaction.atomic
def _delete_round_answers(round_id: int, now: datetime.datetime) -> int:
    survey_round = (
        SurveyRound.objects.select_for_update()
        .filter(pk=round_id, status=SurveyRound.Status.CLOSED, raw_answers_deleted_at__isnull=True)
        .first()
    )
    if survey_round is None or raw_answers_expire_at(survey_round) > now:
        return 0  # reopened, or cleared by a concurrent run, since it was listed
    # Answers first, in one statement (nothing refers to them); then the responses, whose
    # cascade then finds no answers left to collect.
    ResponseScore.objects.filter(round_id=round_id).delete()
    answers, _ = Answer.objects.filter(round_id=round_id).delete()
    responses, _ = Response.objects.filter(round_id=round_id).delete()
    survey_round.raw_answers_deleted_at = now
    survey_round.save(update_fields=["raw_answers_deleted_at"])
    logger.info(
        "Deleted the raw answers of survey round %s: %d responses, %d answers",
        round_id,
        responses,
        answers,
    )
    return responses
