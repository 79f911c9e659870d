"""Survey rounds: settings, the status workflow and the frozen invitation list."""

from __future__ import annotations

import datetime
import importlib
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from organisation.models import RoleAssignment
from socialkapital import services
from socialkapital.models import Invitation, Questionnaire, SurveyRound
from tests.factories import UserFactory, assign, unit

DAY = datetime.timedelta(days=1)
TASK = "socialkapital.tasks.invitations.send_round_invitations"


@pytest.fixture(autouse=True)
def _default_questionnaire(db: None) -> None:
    """The data migration's default questionnaire. A transactional test elsewhere in the suite
    flushes the database, migration data included, so it is put back (idempotently)."""
    migration = importlib.import_module("socialkapital.migrations.0002_default_questionnaire")
    migration.add_default_questionnaire(django_apps, None)


def default_questionnaire() -> Questionnaire:
    return Questionnaire.objects.get(name="Social kapital – standard", version=1)


def make_round(scope, status=SurveyRound.Status.DRAFT, **fields) -> SurveyRound:
    now = timezone.now()
    values = {
        "name": "Forår",
        "questionnaire": default_questionnaire(),
        "scope": scope,
        "opens_at": now - DAY,
        "closes_at": now + 14 * DAY,
        "min_group_size_agreed_by": "Hoved-MED 3. marts",
        "status": status,
        **fields,
    }
    return SurveyRound.objects.create(**values)


def round_values(scope, **changes) -> dict:
    now = timezone.now()
    return {
        "name": "Efterår",
        "questionnaire": default_questionnaire(),
        "scope": scope,
        "opens_at": now + DAY,
        "closes_at": now + 15 * DAY,
        "min_group_size": 5,
        "min_group_size_agreed_by": "Hoved-MED",
        "retention_days": 1095,
        **changes,
    }


def local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# --- Creating and editing -------------------------------------------------------------------


def test_hr_creates_a_round_as_a_draft_with_copenhagen_times(org, hr, client_for) -> None:
    response = client_for(hr).post(
        reverse("socialkapital:round_create"),
        {
            "name": "Forår 2027",
            "questionnaire": default_questionnaire().pk,
            "scope": org.nord.pk,
            "opens_at": "2027-03-01T08:00",
            "closes_at": "2027-03-21T23:59",
            "min_group_size": "5",
            "min_group_size_agreed_by": "Hoved-MED",
            "retention_days": "1095",
        },
    )
    survey_round = SurveyRound.objects.get(name="Forår 2027")
    assert response.status_code == 302
    assert survey_round.status == SurveyRound.Status.DRAFT
    assert survey_round.created_by == hr
    # 08:00 in Copenhagen in March (winter time, UTC+1) is 07:00 UTC.
    assert survey_round.opens_at == datetime.datetime(2027, 3, 1, 7, 0, tzinfo=datetime.UTC)
    assert not survey_round.invitations.exists()


def test_the_round_form_proposes_k_five_and_three_years(hr, client_for) -> None:
    form = client_for(hr).get(reverse("socialkapital:round_create")).context["form"]
    assert form["min_group_size"].value() == 5
    assert form["retention_days"].value() == 3 * 365


def test_k_below_three_is_refused(org, hr, client_for) -> None:
    with pytest.raises(ValidationError) as refused:
        services.round_create(author=hr, **round_values(org.nord, min_group_size=2))
    assert "min_group_size" in refused.value.message_dict
    response = client_for(hr).post(
        reverse("socialkapital:round_create"),
        {
            "name": "For lille k",
            "questionnaire": default_questionnaire().pk,
            "scope": org.nord.pk,
            "opens_at": "2027-03-01T08:00",
            "closes_at": "2027-03-21T23:59",
            "min_group_size": "2",
            "min_group_size_agreed_by": "Hoved-MED",
            "retention_days": "1095",
        },
    )
    assert response.status_code == 200
    assert "min_group_size" in response.context["form"].errors
    assert not SurveyRound.objects.exists()


def test_a_round_that_closes_before_it_opens_is_refused(org, hr, client_for) -> None:
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        services.round_create(
            author=hr, **round_values(org.nord, opens_at=now + 2 * DAY, closes_at=now + DAY)
        )
    assert "closes_at" in refused.value.message_dict
    response = client_for(hr).post(
        reverse("socialkapital:round_create"),
        {
            "name": "Baglæns",
            "questionnaire": default_questionnaire().pk,
            "scope": org.nord.pk,
            "opens_at": "2027-03-21T08:00",
            "closes_at": "2027-03-01T08:00",
            "min_group_size": "5",
            "min_group_size_agreed_by": "Hoved-MED",
            "retention_days": "1095",
        },
    )
    assert "closes_at" in response.context["form"].errors
    assert not SurveyRound.objects.exists()


def test_who_agreed_k_is_required(org, hr) -> None:
    with pytest.raises(ValidationError) as refused:
        services.round_create(author=hr, **round_values(org.nord, min_group_size_agreed_by=" "))
    assert "min_group_size_agreed_by" in refused.value.message_dict


def test_hr_of_one_area_can_only_choose_units_of_that_area(org, client_for) -> None:
    area_hr = UserFactory(username="omraade_hr")
    assign(area_hr, RoleAssignment.Role.HR, org.nord)
    form = client_for(area_hr).get(reverse("socialkapital:round_create")).context["form"]
    assert set(form.fields["scope"].queryset) == {org.nord, org.solsikken, org.maelkeboetten}


@pytest.mark.parametrize("persona", ["leader", "employee", "med_member", "politician"])
def test_only_hr_creates_rounds(persona, request, client_for) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("socialkapital:round_create")).status_code == 403


def test_a_draft_can_be_edited_entirely(org, hr, client_for) -> None:
    survey_round = make_round(org.nord)
    services.round_update(survey_round=survey_round, values={"min_group_size": 7})
    survey_round.refresh_from_db()
    assert survey_round.min_group_size == 7


def test_k_cannot_change_after_opening(org, hr, client_for) -> None:
    survey_round = make_round(org.nord, status=SurveyRound.Status.OPEN)
    with pytest.raises(ValidationError):
        services.round_update(survey_round=survey_round, values={"min_group_size": 3})
    # The edit form disables k, so a posted k is ignored and the allowed change goes through.
    response = client_for(hr).post(
        reverse("socialkapital:round_edit", args=[survey_round.pk]),
        {"name": "Nyt navn", "retention_days": "400", "min_group_size": "3"},
    )
    assert response.status_code == 302
    survey_round.refresh_from_db()
    assert (survey_round.name, survey_round.retention_days) == ("Nyt navn", 400)
    assert survey_round.min_group_size == 5


def test_leaders_may_not_edit_a_round_in_their_area(org, leader, client_for) -> None:
    survey_round = make_round(org.nord)
    url = reverse("socialkapital:round_edit", args=[survey_round.pk])
    assert client_for(leader).get(url).status_code == 403


# --- Opening --------------------------------------------------------------------------------


@pytest.fixture
def staff(org, employee, leader, med_member):
    """People around Dagtilbud Nord: the personas, one without e-mail, one who has left, one in
    a closed-down unit, and one in another directorate."""
    no_email = UserFactory(username="uden_mail", email="", home_unit=org.maelkeboetten)
    left = UserFactory(username="stoppet", home_unit=org.solsikken, is_active=False)
    closed = unit("Lukket stue", parent=org.nord)
    closed.active = False
    closed.save(update_fields=["active"])
    in_closed_unit = UserFactory(username="lukket", home_unit=closed)
    outside = UserFactory(username="udenfor", home_unit=org.group)
    return {
        "invited": {employee, leader, med_member, no_email},
        "not_invited": {left, in_closed_unit, outside},
        "no_email": no_email,
    }


def test_opening_freezes_the_invitation_list(org, staff) -> None:
    survey_round = make_round(org.nord)
    with mock.patch(TASK, create=True):
        services.round_open(survey_round=survey_round)
    invitations = {inv.user: inv for inv in Invitation.objects.filter(round=survey_round)}
    assert set(invitations) == staff["invited"]
    for person, invitation in invitations.items():
        assert invitation.unit_id == person.home_unit_id
        assert invitation.email == person.email
    assert invitations[staff["no_email"]].email == ""
    # Someone who joins the unit after opening is not invited.
    UserFactory(username="ny", home_unit=org.solsikken)
    assert Invitation.objects.filter(round=survey_round).count() == len(staff["invited"])
    survey_round.refresh_from_db()
    assert survey_round.status == SurveyRound.Status.OPEN
    assert survey_round.opened_at is not None


def test_opening_sends_the_invitations_after_commit(
    org, staff, django_capture_on_commit_callbacks
) -> None:
    survey_round = make_round(org.nord)
    with mock.patch(TASK, create=True) as task:
        with django_capture_on_commit_callbacks() as callbacks:
            services.round_open(survey_round=survey_round)
            task.delay.assert_not_called()  # nothing is sent inside the transaction
        for callback in callbacks:  # the invitations, and the rounds' new version
            callback()
    task.delay.assert_called_once_with(survey_round.pk)


def test_opening_before_the_planned_time_opens_now(org) -> None:
    now = timezone.now()
    survey_round = make_round(org.nord, opens_at=now + 3 * DAY, closes_at=now + 10 * DAY)
    with mock.patch(TASK, create=True):
        services.round_open(survey_round=survey_round, now=now)
    survey_round.refresh_from_db()
    assert survey_round.opens_at == now
    assert services.round_accepts_answers(survey_round, now=now)


def test_a_round_whose_closing_time_has_passed_cannot_be_opened(org) -> None:
    now = timezone.now()
    survey_round = make_round(org.nord, opens_at=now - 5 * DAY, closes_at=now - DAY)
    with pytest.raises(ValidationError):
        services.round_open(survey_round=survey_round)
    survey_round.refresh_from_db()
    assert survey_round.status == SurveyRound.Status.DRAFT
    assert not survey_round.invitations.exists()


def test_a_round_cannot_be_opened_twice(org, staff) -> None:
    survey_round = make_round(org.nord)
    with mock.patch(TASK, create=True):
        services.round_open(survey_round=survey_round)
        with pytest.raises(ValidationError):
            services.round_open(survey_round=survey_round)
    assert survey_round.invitations.count() == len(staff["invited"])


# --- Closing and extending ------------------------------------------------------------------


def test_open_close_and_extend_follow_the_workflow(org) -> None:
    now = timezone.now()
    survey_round = make_round(org.nord)
    with pytest.raises(ValidationError):
        services.round_close(survey_round=survey_round)
    with pytest.raises(ValidationError):
        services.round_extend(survey_round=survey_round, closes_at=now + 30 * DAY)
    survey_round.status = SurveyRound.Status.OPEN
    survey_round.save(update_fields=["status"])
    # An extension must be later than the present closing time.
    with pytest.raises(ValidationError):
        services.round_extend(survey_round=survey_round, closes_at=now + 2 * DAY)
    services.round_extend(survey_round=survey_round, closes_at=now + 30 * DAY)
    services.round_close(survey_round=survey_round, now=now)
    survey_round.refresh_from_db()
    assert survey_round.status == SurveyRound.Status.CLOSED
    assert survey_round.closed_at == now
    assert services.can_reopen(survey_round)
    # Extending a closed round reopens it, with a closing time in the future only.
    with pytest.raises(ValidationError):
        services.round_extend(survey_round=survey_round, closes_at=now - DAY)
    services.round_extend(survey_round=survey_round, closes_at=now + 40 * DAY)
    survey_round.refresh_from_db()
    assert survey_round.status == SurveyRound.Status.OPEN
    assert survey_round.closed_at is None


def test_a_round_whose_raw_answers_are_deleted_cannot_be_reopened(org) -> None:
    now = timezone.now()
    survey_round = make_round(
        org.nord, status=SurveyRound.Status.CLOSED, closed_at=now, raw_answers_deleted_at=now
    )
    assert not services.can_reopen(survey_round)
    with pytest.raises(ValidationError):
        services.round_extend(survey_round=survey_round, closes_at=now + 30 * DAY)


def test_an_open_round_past_its_closing_time_accepts_no_answers(org) -> None:
    now = timezone.now()
    survey_round = make_round(org.nord, status=SurveyRound.Status.OPEN)
    assert services.round_accepts_answers(survey_round, now=now)
    assert not services.round_accepts_answers(survey_round, now=survey_round.closes_at)
    assert not services.round_accepts_answers(survey_round, now=survey_round.opens_at - DAY)
    survey_round.status = SurveyRound.Status.CLOSED
    assert not services.round_accepts_answers(survey_round, now=now)


# --- The status page ------------------------------------------------------------------------


def test_hr_opens_a_round_from_its_page(org, hr, staff, client_for) -> None:
    survey_round = make_round(org.nord)
    with mock.patch(TASK, create=True):
        response = client_for(hr).post(
            reverse("socialkapital:round_status", args=[survey_round.pk]), {"action": "open"}
        )
    assert response.status_code == 302
    survey_round.refresh_from_db()
    assert survey_round.status == SurveyRound.Status.OPEN


def test_a_refused_status_move_is_explained_on_the_page(org, hr, client_for) -> None:
    survey_round = make_round(org.nord, status=SurveyRound.Status.OPEN)
    client = client_for(hr)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("socialkapital:round_status", args=[survey_round.pk]),
        {"action": "extend", "closes_at": local(timezone.now() - DAY)},
    )
    assert response.status_code == 400
    assert "closes_at" in response.context["status_form"].errors
    assert "The new closing time must be in the future." in response.content.decode()


def test_leaders_may_not_move_a_rounds_status(org, leader, client_for) -> None:
    survey_round = make_round(org.nord)
    response = client_for(leader).post(
        reverse("socialkapital:round_status", args=[survey_round.pk]), {"action": "open"}
    )
    assert response.status_code == 403
    survey_round.refresh_from_db()
    assert survey_round.status == SurveyRound.Status.DRAFT


def test_hr_of_another_area_does_not_find_the_round(org, client_for) -> None:
    area_hr = UserFactory(username="sundhed_hr")
    assign(area_hr, RoleAssignment.Role.HR, org.health)
    survey_round = make_round(org.nord)
    client = client_for(area_hr)
    assert client.get(reverse("socialkapital:round", args=[survey_round.pk])).status_code == 404
    response = client.post(
        reverse("socialkapital:round_status", args=[survey_round.pk]), {"action": "open"}
    )
    assert response.status_code == 404


def test_hr_of_an_area_inside_the_scope_follows_but_does_not_manage_the_round(
    org, client_for
) -> None:
    area_hr = UserFactory(username="nord_hr")
    assign(area_hr, RoleAssignment.Role.HR, org.nord)
    survey_round = make_round(org.root)
    client = client_for(area_hr)
    assert client.get(reverse("socialkapital:round", args=[survey_round.pk])).status_code == 200
    url = reverse("socialkapital:round_status", args=[survey_round.pk])
    assert client.post(url, {"action": "open"}).status_code == 403


def test_hr_sees_the_edit_form_of_an_open_round_with_k_disabled(org, hr, client_for) -> None:
    survey_round = make_round(org.nord, status=SurveyRound.Status.OPEN)
    response = client_for(hr).get(reverse("socialkapital:round_edit", args=[survey_round.pk]))
    assert response.status_code == 200
    assert response.context["form"].fields["min_group_size"].disabled
    assert not response.context["form"].fields["name"].disabled


def test_a_closed_round_page_offers_reopening_to_hr(org, hr, client_for) -> None:
    survey_round = make_round(org.nord, status=SurveyRound.Status.CLOSED, closed_at=timezone.now())
    response = client_for(hr).get(reverse("socialkapital:round", args=[survey_round.pk]))
    assert response.status_code == 200
    assert response.context["actions"] == ["extend"]


def test_the_round_page_links_to_access_codes_and_reminders_for_hr(client_for, hr, org) -> None:
    survey_round = make_round(org.nord, status=SurveyRound.Status.OPEN)
    page = client_for(hr).get(f"/socialkapital/runder/{survey_round.pk}/").content.decode()
    assert f"/socialkapital/runder/{survey_round.pk}/koder/" in page
    assert f"/socialkapital/runder/{survey_round.pk}/paamindelser/" in page


def test_a_leader_in_the_round_gets_the_access_code_link_but_not_reminders(
    client_for, leader, org
) -> None:
    survey_round = make_round(org.root, status=SurveyRound.Status.OPEN)
    page = client_for(leader).get(f"/socialkapital/runder/{survey_round.pk}/").content.decode()
    assert f"/socialkapital/runder/{survey_round.pk}/koder/" in page
    assert "/paamindelser/" not in page


def test_a_round_opened_while_the_broker_is_down_sends_its_invitations_once_it_is_back(
    org, staff, django_capture_on_commit_callbacks, caplog
) -> None:
    from kombu.exceptions import OperationalError

    from socialkapital.services import invitations
    from socialkapital.tasks.invitations import reconcile_invitations

    survey_round = make_round(org.nord)
    broker_down = mock.patch(f"{TASK}.delay", side_effect=OperationalError("connection refused"))
    with broker_down, django_capture_on_commit_callbacks(execute=True):
        services.round_open(survey_round=survey_round)  # no error for HR: it is open
    survey_round.refresh_from_db()
    assert survey_round.status == SurveyRound.Status.OPEN
    assert "not enqueued" in caplog.text
    assert not mail.outbox
    # Too early for the reconciler: the enqueuing may still be on its way.
    assert invitations.rounds_with_lost_invitations() == []
    later = timezone.now() + invitations.INVITATIONS_LOST_AFTER + datetime.timedelta(minutes=1)
    assert invitations.rounds_with_lost_invitations(now=later) == [survey_round.pk]
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert reconcile_invitations.delay().get() == [survey_round.pk]
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        person.email for person in staff["invited"] if person.email
    )
    # Once some went out, the round is not the reconciler's any more.
    assert invitations.rounds_with_lost_invitations(now=later) == []
