"""Invitation e-mails, reminders (scheduled and on demand) and delivery retries.

The personal token must reach only the e-mail: never the database, a log line, a failure record
or a task argument.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Iterator
from smtplib import SMTPException
from types import SimpleNamespace
from unittest import mock

import pytest
from django.apps import apps
from django.core import mail
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from organisation.models import User
from socialkapital.models import (
    DeliveryFailure,
    Invitation,
    InvitationLink,
    Questionnaire,
    SurveyRound,
)
from socialkapital.services import invitations as service
from socialkapital.services.answering import hash_token
from socialkapital.tasks.invitations import (
    MAX_RETRIES,
    send_due_reminders,
    send_invitation,
    send_reminder,
    send_round_invitations,
)
from tests.factories import UserFactory

LINK = re.compile(r"https?://\S+/socialkapital/svar/(?P<token>[A-Za-z0-9_\-]+)/")


def make_round(org: SimpleNamespace, **fields: object) -> SurveyRound:
    now = timezone.now()
    values = {
        "name": "Trivsel forår",
        "questionnaire": Questionnaire.objects.create(name="Social kapital"),
        "scope": org.nord,
        "opens_at": now - datetime.timedelta(days=10),
        "closes_at": now + datetime.timedelta(days=14),
        "min_group_size_agreed_by": "Hoved-MED",
        "status": SurveyRound.Status.OPEN,
        "opened_at": now - datetime.timedelta(days=10),
    }
    values.update(fields)
    return SurveyRound.objects.create(**values)


def invite(survey_round: SurveyRound, user: User, **fields: object) -> Invitation:
    values = {"round": survey_round, "user": user, "unit": user.home_unit, "email": user.email}
    values.update(fields)
    return Invitation.objects.create(**values)


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def person(org: SimpleNamespace, username: str, **fields: object) -> User:
    return UserFactory(username=username, home_unit=org.solsikken, **fields)


def token_in(message: EmailMessage) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match["token"]


def every_stored_value() -> str:
    """Every value in every row of every table the product owns, as one string."""
    chunks = []
    for model in apps.get_models():
        for row in model.objects.values_list():
            chunks.append(repr(row))
    return "\n".join(chunks)


@pytest.fixture
def open_round(org: SimpleNamespace) -> SurveyRound:
    return make_round(org)


# --- Invitations ----------------------------------------------------------------------------


def test_invitations_go_only_to_those_with_an_email_not_yet_sent(org, open_round):
    with_email = invite(open_round, person(org, "a"))
    invite(open_round, person(org, "b"), email="")
    already = invite(open_round, person(org, "c"), sent_at=days_ago(1))

    send_round_invitations.delay(open_round.pk)

    assert [message.to for message in mail.outbox] == [[with_email.email]]
    with_email.refresh_from_db()
    assert with_email.sent_at is not None
    assert not already.links.exists()


def test_sending_the_round_twice_sends_each_invitation_once(org, open_round):
    invite(open_round, person(org, "a"))
    invite(open_round, person(org, "b"))

    send_round_invitations.delay(open_round.pk)
    send_round_invitations.delay(open_round.pk)

    assert len(mail.outbox) == 2
    assert InvitationLink.objects.count() == 2


def test_the_mail_holds_a_link_whose_token_hashes_to_a_stored_link(org, open_round, settings):
    settings.SITE_URL = "https://kerneopgaver.example.dk"
    invitation = invite(open_round, person(org, "a", name="Signe Særnavn"))

    send_invitation.delay(invitation.pk)

    (message,) = mail.outbox
    assert "https://kerneopgaver.example.dk/socialkapital/svar/" in message.body
    token = token_in(message)
    assert len(token) >= 43  # 32 random bytes in URL-safe base64
    link = InvitationLink.objects.get()
    assert link.invitation == invitation
    assert link.token_hash == hash_token(token)
    assert org.solsikken.name in message.body
    assert "Signe Særnavn" not in message.body
    assert open_round.name in message.subject


def test_the_token_is_stored_nowhere_and_logged_nowhere(org, open_round, caplog):
    invitation = invite(open_round, person(org, "a"))
    caplog.set_level(logging.DEBUG)

    send_invitation.delay(invitation.pk)
    send_reminder.delay(invitation.pk, 1)

    tokens = [token_in(message) for message in mail.outbox]
    assert len(set(tokens)) == 2
    stored = every_stored_value()
    for token in tokens:
        assert token not in stored
        assert token not in caplog.text


def test_an_answered_invitation_is_not_sent(org, open_round):
    invitation = invite(open_round, person(org, "a"), answered_on=timezone.localdate())

    assert send_invitation.delay(invitation.pk).get() is False
    assert mail.outbox == []
    assert not InvitationLink.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"status": SurveyRound.Status.CLOSED},
        {"status": SurveyRound.Status.DRAFT},
        {"closes_at": timezone.now() - datetime.timedelta(hours=1)},
    ],
    ids=["closed", "draft", "past its closing time"],
)
def test_no_invitation_goes_out_for_a_round_that_does_not_accept_answers(org, fields):
    survey_round = make_round(org, **fields)
    invitation = invite(survey_round, person(org, "a"))

    send_invitation.delay(invitation.pk)

    assert mail.outbox == []
    invitation.refresh_from_db()
    assert invitation.sent_at is None


# --- Retries on delivery failure ------------------------------------------------------------


def failing(times: int):
    """A replacement for EmailMessage.send that fails `times` times, echoing the link (as a
    chatty mail server might echo what it was sent), then sends for real."""
    real_send = EmailMessage.send
    calls = {"n": 0}

    def send(message: EmailMessage, fail_silently: bool = False) -> int:
        calls["n"] += 1
        if calls["n"] <= times:
            link = LINK.search(message.body)[0]
            raise SMTPException(f"451 temporary failure for {message.to}: {link}")
        return real_send(message, fail_silently)

    return mock.patch.object(EmailMessage, "send", autospec=True, side_effect=send)


@pytest.fixture
def worker_like_retries() -> Iterator[None]:
    """Eager tasks run their retries at once, in process, as a worker would run them later;
    with the project's EAGER_PROPAGATES a retry would instead raise in the caller."""
    conf = send_invitation.app.conf
    before = conf.task_eager_propagates
    conf.task_eager_propagates = False
    yield
    conf.task_eager_propagates = before


@pytest.mark.usefixtures("worker_like_retries")
def test_a_failed_sending_is_recorded_and_retried_until_it_succeeds(org, open_round, caplog):
    invitation = invite(open_round, person(org, "a"))
    caplog.set_level(logging.DEBUG)

    with failing(times=2):
        result = send_invitation.apply(args=(invitation.pk,))

    assert result.state == "SUCCESS"
    assert len(mail.outbox) == 1
    failures = list(DeliveryFailure.objects.order_by("attempt"))
    assert [(f.kind, f.attempt, f.final) for f in failures] == [
        ("invitation", 1, False),
        ("invitation", 2, False),
    ]
    assert failures[0].error.startswith("SMTPException: 451 temporary failure")
    # Only the link of the successful attempt exists, and it is the one in the mail.
    token = token_in(mail.outbox[0])
    assert list(InvitationLink.objects.values_list("token_hash", flat=True)) == [hash_token(token)]
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    assert "/socialkapital/svar/[skjult]" in failures[0].error
    assert all(LINK.search(f.error) is None for f in failures)
    assert token not in caplog.text


@pytest.mark.usefixtures("worker_like_retries")
def test_the_last_failed_retry_is_marked_final_and_leaves_no_link(org, open_round, caplog):
    invitation = invite(open_round, person(org, "a"))
    caplog.set_level(logging.DEBUG)

    with failing(times=100):
        result = send_invitation.apply(args=(invitation.pk,))

    assert result.state == "FAILURE"
    assert isinstance(result.result, service.DeliveryError)
    failures = list(DeliveryFailure.objects.order_by("attempt"))
    assert [f.attempt for f in failures] == list(range(1, MAX_RETRIES + 2))
    assert [f.final for f in failures] == [False] * MAX_RETRIES + [True]
    assert mail.outbox == []
    assert not InvitationLink.objects.exists()
    invitation.refresh_from_db()
    assert invitation.sent_at is None
    # Nothing that reaches a failure record, an error report or a log carries a link.
    assert all(LINK.search(f.error) is None for f in failures)
    assert LINK.search(str(result.result)) is None
    assert LINK.search(result.traceback or "") is None
    assert LINK.search(caplog.text) is None


def test_a_retry_waits_longer_each_time(org, open_round):
    invitation = invite(open_round, person(org, "a"))
    task = mock.Mock(max_retries=MAX_RETRIES, request=mock.Mock(retries=2))
    task.retry.side_effect = RuntimeError("retry")

    with failing(times=1), pytest.raises(RuntimeError):
        send_invitation.run.__func__(task, invitation.pk)

    assert task.retry.call_args.kwargs["countdown"] == 60 * 2**2
    assert DeliveryFailure.objects.get().attempt == 3


# --- Scheduled reminders --------------------------------------------------------------------


def test_reminders_go_only_to_those_who_have_not_answered(org, open_round):
    waiting = invite(open_round, person(org, "a"), sent_at=days_ago(4))
    answered = invite(open_round, person(org, "b"), sent_at=days_ago(4))
    also_waiting = invite(open_round, person(org, "c"), sent_at=days_ago(5))
    invite(open_round, person(org, "d"), email="")  # has a code, not a mail
    Invitation.objects.filter(pk=answered.pk).update(answered_on=timezone.localdate())

    send_due_reminders.delay()

    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [waiting.email, also_waiting.email]
    )
    waiting.refresh_from_db()
    assert waiting.reminders_sent == 1
    assert waiting.reminded_at is not None
    answered.refresh_from_db()
    assert answered.reminders_sent == 0


def test_reminders_keep_three_days_apart(org, open_round):
    invite(open_round, person(org, "fresh"), sent_at=days_ago(1))
    invite(open_round, person(org, "recent"), sent_at=days_ago(9), reminded_at=days_ago(2),
           reminders_sent=1)  # fmt: skip
    due = invite(
        open_round, person(org, "due"), sent_at=days_ago(9), reminded_at=days_ago(3.1),
        reminders_sent=1,
    )  # fmt: skip

    send_due_reminders.delay()

    assert [message.to for message in mail.outbox] == [[due.email]]
    due.refresh_from_db()
    assert due.reminders_sent == 2


def test_nobody_gets_more_than_three_reminders(org, open_round):
    capped = invite(
        open_round, person(org, "a"), sent_at=days_ago(20), reminded_at=days_ago(10),
        reminders_sent=3,
    )  # fmt: skip

    send_due_reminders.delay()
    assert service.reminders_send_now(survey_round=open_round) == 0

    assert mail.outbox == []
    capped.refresh_from_db()
    assert capped.reminders_sent == 3


def test_no_reminders_for_a_closed_round(org):
    survey_round = make_round(org, status=SurveyRound.Status.CLOSED)
    invite(survey_round, person(org, "a"), sent_at=days_ago(5))

    send_due_reminders.delay()

    assert mail.outbox == []


def test_a_reminder_brings_a_new_link_and_the_first_still_counts(org, open_round):
    invitation = invite(open_round, person(org, "a"))
    send_invitation.delay(invitation.pk)
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=days_ago(4))

    send_due_reminders.delay()

    first, reminder = mail.outbox
    assert token_in(first) != token_in(reminder)
    assert set(invitation.links.values_list("token_hash", flat=True)) == {
        hash_token(token_in(first)),
        hash_token(token_in(reminder)),
    }
    assert "Reminder" in reminder.subject or "Påmindelse" in reminder.subject


def test_a_reminder_delivered_twice_is_sent_once(org, open_round):
    invitation = invite(open_round, person(org, "a"), sent_at=days_ago(4))

    send_reminder.apply(args=(invitation.pk, 1))
    send_reminder.apply(args=(invitation.pk, 1))

    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.reminders_sent == 1


@pytest.mark.usefixtures("worker_like_retries")
def test_a_failed_reminder_is_recorded_as_a_reminder(org, open_round):
    invitation = invite(open_round, person(org, "a"), sent_at=days_ago(4))

    with failing(times=1):
        send_reminder.apply(args=(invitation.pk, 1))

    failure = DeliveryFailure.objects.get()
    assert (failure.kind, failure.attempt, failure.final) == ("reminder", 1, False)
    assert len(mail.outbox) == 1
    assert invitation.links.count() == 1


# --- Reminders on demand --------------------------------------------------------------------


@pytest.fixture
def waiting_people(org: SimpleNamespace, open_round: SurveyRound) -> SimpleNamespace:
    return SimpleNamespace(
        yesterday=invite(open_round, person(org, "a"), sent_at=days_ago(3), reminded_at=days_ago(1),
                         reminders_sent=1),
        never=invite(open_round, person(org, "b"), sent_at=days_ago(1)),
        answered=invite(open_round, person(org, "c"), sent_at=days_ago(3),
                        answered_on=timezone.localdate()),
    )  # fmt: skip


def test_hr_sees_how_many_would_be_reminded(client_for, hr, open_round, waiting_people):
    response = client_for(hr).get(reverse("socialkapital:reminders", args=[open_round.pk]))

    assert response.status_code == 200
    assert response.context["count"] == 2
    assert mail.outbox == []


def test_hr_reminds_now_ignoring_the_spacing_but_never_those_who_answered(
    client_for, hr, open_round, waiting_people, django_capture_on_commit_callbacks
):
    client = client_for(hr)
    client.cookies["django_language"] = "en"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("socialkapital:reminders", args=[open_round.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("socialkapital:round", args=[open_round.pk])
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [waiting_people.yesterday.email, waiting_people.never.email]
    )
    waiting_people.yesterday.refresh_from_db()
    assert waiting_people.yesterday.reminders_sent == 2
    page = client.get(reverse("socialkapital:reminders", args=[open_round.pk]))
    assert "Reminders are being sent to 2 people" in page.content.decode()


def test_reminders_on_demand_are_refused_for_a_closed_round(client_for, hr, org):
    survey_round = make_round(org, status=SurveyRound.Status.CLOSED)
    invite(survey_round, person(org, "a"), sent_at=days_ago(5))
    client = client_for(hr)

    response = client.post(reverse("socialkapital:reminders", args=[survey_round.pk]))

    assert response.status_code == 302
    assert mail.outbox == []
    assert client.get(response["Location"]).context["possible"] is False


@pytest.mark.parametrize("persona", ["leader", "employee", "med_member", "other_leader"])
def test_only_hr_may_send_reminders(request, client_for, open_round, waiting_people, persona):
    client = client_for(request.getfixturevalue(persona))
    url = reverse("socialkapital:reminders", args=[open_round.pk])

    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert mail.outbox == []


def test_reminders_need_sign_in(client, open_round):
    response = client.post(reverse("socialkapital:reminders", args=[open_round.pk]))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert mail.outbox == []


def test_reminders_for_an_unknown_round_are_not_found(client_for, hr):
    assert client_for(hr).get(reverse("socialkapital:reminders", args=[999])).status_code == 404
