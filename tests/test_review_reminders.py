"""E-mail reminders of governance reviews (styring/services/reminders.py and the Celery task
`styring.remind_due_reviews`): one e-mail per owner, once per review date."""

from __future__ import annotations

from datetime import date, timedelta
from smtplib import SMTPException
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organisation.models import OrgUnit, User
from styring.models import Instrument
from styring.services.reminders import (
    REMIND_DAYS_AHEAD,
    review_reminder_owner_ids,
    review_reminder_send,
)
from styring.tasks import remind_due_reviews, remind_review_owner
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://kerneopgaver.example.dk"


@pytest.fixture(autouse=True)
def _site_url(settings) -> None:
    settings.SITE_URL = SITE


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def owner(org: SimpleNamespace, leader: User) -> User:
    leader.email = "lars@kommune.example"
    leader.save(update_fields=["email"])
    return leader


def instrument(
    title: str,
    owner_unit: OrgUnit,
    owner: User | None,
    *,
    days: int | None = 7,
    status: str = Instrument.Status.ACTIVE,
) -> Instrument:
    return Instrument.objects.create(
        title=title,
        kind=Instrument.Kind.REPORT,
        origin=Instrument.Origin.ADMINISTRATION,
        owner_unit=owner_unit,
        owner=owner,
        status=status,
        review_on=None if days is None else today() + timedelta(days=days),
    )


def run() -> int:
    """The scheduled task, as the beat runs it (eagerly in tests)."""
    mail.outbox.clear()
    return remind_due_reviews.delay().get()


def test_an_owner_is_reminded_once_of_a_review_date(org: SimpleNamespace, owner: User) -> None:
    due = instrument("Kvartalsrapport", org.nord, owner)

    assert run() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lars@kommune.example"]
    assert "Kvartalsrapport" in message.body
    assert SITE + reverse("styring:instrument", args=[due.pk]) in message.body
    due.refresh_from_db()
    assert due.review_reminded_for == due.review_on

    assert run() == 0
    assert mail.outbox == []


def test_a_changed_review_date_gives_a_new_reminder(org: SimpleNamespace, owner: User) -> None:
    due = instrument("Kvartalsrapport", org.nord, owner)
    run()
    Instrument.objects.filter(pk=due.pk).update(review_on=today() + timedelta(days=12))

    assert run() == 1
    assert len(mail.outbox) == 1
    due.refresh_from_db()
    assert due.review_reminded_for == today() + timedelta(days=12)


def test_a_passed_review_date_is_reminded_and_a_distant_one_is_not(
    org: SimpleNamespace, owner: User
) -> None:
    instrument("Overskredet", org.nord, owner, days=-30)
    instrument("Om lang tid", org.nord, owner, days=REMIND_DAYS_AHEAD + 1)
    instrument("Lige på grænsen", org.nord, owner, days=REMIND_DAYS_AHEAD)
    instrument("Uden dato", org.nord, owner, days=None)

    assert run() == 1
    body = mail.outbox[0].body
    assert "Overskredet" in body
    assert "Lige på grænsen" in body
    assert "Om lang tid" not in body
    assert "Uden dato" not in body


def test_one_email_per_owner_lists_all_their_instruments(
    org: SimpleNamespace, owner: User, other_leader: User
) -> None:
    other_leader.email = "anna@kommune.example"
    other_leader.save(update_fields=["email"])
    instrument("Første", org.nord, owner, days=3)
    instrument("Anden", org.solsikken, owner, days=10)
    instrument("Hjemmeplejens", org.east, other_leader)

    assert run() == 2
    by_recipient = {message.to[0]: message.body for message in mail.outbox}
    assert set(by_recipient) == {"lars@kommune.example", "anna@kommune.example"}
    assert "Første" in by_recipient["lars@kommune.example"]
    assert "Anden" in by_recipient["lars@kommune.example"]
    assert "Hjemmeplejens" not in by_recipient["lars@kommune.example"]
    assert "Første" not in by_recipient["anna@kommune.example"]


def test_retired_and_proposed_instruments_are_not_reminded(
    org: SimpleNamespace, owner: User
) -> None:
    retired = instrument("Afskaffet", org.nord, owner, status=Instrument.Status.RETIRED)
    instrument("Forslag", org.nord, owner, status=Instrument.Status.PROPOSED)
    under_review = instrument("Under revurdering", org.nord, owner, status="under_review")

    assert run() == 1
    assert "Under revurdering" in mail.outbox[0].body
    assert "Afskaffet" not in mail.outbox[0].body
    assert "Forslag" not in mail.outbox[0].body
    retired.refresh_from_db()
    under_review.refresh_from_db()
    assert retired.review_reminded_for is None
    assert under_review.review_reminded_for == under_review.review_on


def test_owners_without_email_are_skipped_and_reminded_once_they_have_one(
    org: SimpleNamespace,
) -> None:
    person = UserFactory(username="uden_mail", email="")
    due = instrument("Kvartalsrapport", org.nord, person)
    instrument("Ingen ejer", org.nord, None)

    assert run() == 0
    assert mail.outbox == []
    due.refresh_from_db()
    assert due.review_reminded_for is None

    person.email = "nu@kommune.example"
    person.save(update_fields=["email"])
    assert run() == 1
    assert mail.outbox[0].to == ["nu@kommune.example"]


def test_an_owner_who_left_is_not_reminded(org: SimpleNamespace, owner: User) -> None:
    instrument("Kvartalsrapport", org.nord, owner)
    User.objects.filter(pk=owner.pk).update(is_active=False)
    assert run() == 0
    assert mail.outbox == []


def test_the_email_points_to_the_review_register_and_the_calendar(
    org: SimpleNamespace, owner: User
) -> None:
    instrument("Kvartalsrapport", org.nord, owner)
    run()
    body = mail.outbox[0].body
    assert SITE + reverse("organisation:calendar") in body
    assert SITE + reverse("styring:review") in body
    assert mail.outbox[0].subject.strip()
    assert "\n" not in mail.outbox[0].subject


def test_a_reminder_delivered_twice_is_sent_once(org: SimpleNamespace, owner: User) -> None:
    instrument("Kvartalsrapport", org.nord, owner)
    mail.outbox.clear()
    assert remind_review_owner.delay(owner.pk, today().isoformat()).get() is True
    assert remind_review_owner.delay(owner.pk, today().isoformat()).get() is False
    assert len(mail.outbox) == 1


def test_a_failed_sending_claims_nothing(org: SimpleNamespace, owner: User) -> None:
    due = instrument("Kvartalsrapport", org.nord, owner)
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=SMTPException("down")),
        pytest.raises(SMTPException),
    ):
        review_reminder_send(owner_id=owner.pk, today=today())
    due.refresh_from_db()
    assert due.review_reminded_for is None
    mail.outbox.clear()
    assert review_reminder_send(owner_id=owner.pk, today=today()) is True
    assert len(mail.outbox) == 1


def test_finding_and_reminding_owners_takes_the_same_queries_for_few_and_many(
    org: SimpleNamespace, owner: User
) -> None:
    def counts(size: int) -> tuple[int, int]:
        Instrument.objects.all().delete()
        for number in range(size):
            instrument(f"Redskab {number}", org.nord, owner, days=number % REMIND_DAYS_AHEAD)
        with CaptureQueriesContext(connection) as finding:
            assert review_reminder_owner_ids(today=today()) == [owner.pk]
        with CaptureQueriesContext(connection) as sending:
            assert review_reminder_send(owner_id=owner.pk, today=today()) is True
        return len(finding), len(sending)

    assert counts(2) == counts(12)
