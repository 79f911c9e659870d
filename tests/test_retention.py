"""Retention: raw answers are deleted exactly when a round's retention period has passed."""

from __future__ import annotations

import datetime
import importlib
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.db import OperationalError

from socialkapital.models import Answer, Invitation, Item, Questionnaire, Response, SurveyRound
from socialkapital.services import delete_expired_raw_answers
from socialkapital.tasks.retention import delete_expired_answers
from tests.factories import UserFactory

DAY = datetime.timedelta(days=1)
NOW = datetime.datetime(2030, 6, 1, 3, 30, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _default_questionnaire(db: None) -> None:
    """The data migration's default questionnaire. A transactional test elsewhere in the suite
    flushes the database, migration data included, so it is put back (idempotently)."""
    migration = importlib.import_module("socialkapital.migrations.0002_default_questionnaire")
    migration.add_default_questionnaire(django_apps, None)


def closed_round(scope, *, closed_days_ago: int, retention_days: int, responses: int = 2):
    """A closed round with `responses` responses of two answers each, and one invitation."""
    closed_at = NOW - closed_days_ago * DAY
    survey_round = SurveyRound.objects.create(
        name=f"Lukket for {closed_days_ago} dage siden",
        questionnaire=Questionnaire.objects.get(name="Social kapital – standard", version=1),
        scope=scope,
        opens_at=closed_at - 20 * DAY,
        closes_at=closed_at,
        closed_at=closed_at,
        min_group_size_agreed_by="Hoved-MED",
        retention_days=retention_days,
        status=SurveyRound.Status.CLOSED,
    )
    items = list(Item.objects.filter(code__in=["VT1", "KO1"]))
    for _n in range(responses):
        response = Response.objects.create(round=survey_round, unit=scope)
        for item in items:
            Answer.objects.create(
                response=response, round=survey_round, unit=scope, item=item, value=4
            )
    Invitation.objects.create(round=survey_round, user=UserFactory(), unit=scope)
    return survey_round


def test_a_round_past_its_period_is_cleared_and_one_a_day_short_is_kept(org) -> None:
    past = closed_round(org.solsikken, closed_days_ago=366, retention_days=365, responses=3)
    short = closed_round(org.maelkeboetten, closed_days_ago=364, retention_days=365)
    deleted = delete_expired_raw_answers(now=NOW)
    assert deleted == 3  # the number of responses deleted
    assert not Response.objects.filter(round=past).exists()
    assert not Answer.objects.filter(round=past).exists()
    past.refresh_from_db()
    assert past.raw_answers_deleted_at == NOW
    # The invitations stay: they hold no answers and keep the response rate's "invited".
    assert Invitation.objects.filter(round=past).count() == 1
    assert Response.objects.filter(round=short).count() == 2
    assert Answer.objects.filter(round=short).count() == 4
    short.refresh_from_db()
    assert short.raw_answers_deleted_at is None


def test_the_period_counts_from_the_planned_closing_time_when_no_closing_was_recorded(org):
    survey_round = closed_round(org.nord, closed_days_ago=10, retention_days=5)
    SurveyRound.objects.filter(pk=survey_round.pk).update(closed_at=None)
    assert delete_expired_raw_answers(now=NOW) == 2


def test_open_and_draft_rounds_are_never_cleared(org) -> None:
    survey_round = closed_round(org.nord, closed_days_ago=400, retention_days=1)
    SurveyRound.objects.filter(pk=survey_round.pk).update(status=SurveyRound.Status.OPEN)
    assert delete_expired_raw_answers(now=NOW) == 0
    assert Response.objects.filter(round=survey_round).count() == 2


def test_a_second_run_deletes_nothing_more(org) -> None:
    closed_round(org.nord, closed_days_ago=30, retention_days=7)
    assert delete_expired_raw_answers(now=NOW) == 2
    assert delete_expired_raw_answers(now=NOW) == 0


def test_a_round_without_responses_is_still_marked_as_cleared(org) -> None:
    survey_round = closed_round(org.nord, closed_days_ago=30, retention_days=7, responses=0)
    assert delete_expired_raw_answers(now=NOW) == 0
    survey_round.refresh_from_db()
    assert survey_round.raw_answers_deleted_at == NOW


def test_the_scheduled_task_has_the_beat_name_and_deletes(org, settings) -> None:
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert delete_expired_answers.name == "socialkapital.delete_expired_answers"
    assert delete_expired_answers.name in scheduled
    closed_round(org.nord, closed_days_ago=4000, retention_days=1095)
    assert delete_expired_answers.apply().get() == 2


def test_the_task_retries_when_the_database_fails(db) -> None:
    with (
        mock.patch(
            "socialkapital.tasks.retention.delete_expired_raw_answers",
            side_effect=OperationalError("database restarting"),
        ),
        mock.patch.object(delete_expired_answers, "retry", side_effect=RuntimeError) as retry,
        pytest.raises(RuntimeError),
    ):
        delete_expired_answers.apply(throw=True)
    assert retry.call_args.kwargs["countdown"] == 60
