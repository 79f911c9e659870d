"""Dialogue about results and agreed actions: meetings of a unit or a MED committee, actions with
owners and due dates, their follow-up on later rounds, the overview and the owners' e-mails."""

from __future__ import annotations

from datetime import date, timedelta
from smtplib import SMTPException
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from kerneopgaver.models import CoreTask
from organisation.models import MedCommittee, User
from socialkapital import dialogue_panels, services
from socialkapital.models import Action, Dimension, ResultsDialogue, SurveyRound
from socialkapital.panels import ResultsPage
from socialkapital.tasks.actions import notify_action_owner, remind_overdue_actions
from tests.factories import UserFactory, closed_round

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def with_results(survey_round: SurveyRound) -> SurveyRound:
    """Mark the round as aggregated: these tests are about dialogue, not figures."""
    SurveyRound.objects.filter(pk=survey_round.pk).update(results_version=1)
    survey_round.refresh_from_db()
    return survey_round


@pytest.fixture
def survey_round(org: SimpleNamespace) -> SurveyRound:
    return with_results(closed_round(org.root, closes_days_ago=10))


@pytest.fixture
def older_round(org: SimpleNamespace) -> SurveyRound:
    return with_results(closed_round(org.root, name="Forår", closes_days_ago=200))


def record(
    survey_round: SurveyRound,
    by: User,
    *,
    unit: object = None,
    committee: object = None,
    held_on: date | None = None,
    first_action: dict | None = None,
) -> ResultsDialogue:
    return services.dialogue_create(
        round=survey_round,
        unit=unit,
        committee=committee,
        held_on=held_on or TODAY() - timedelta(days=2),
        themes="Opgavefordeling og samarbejde på tværs",
        created_by=by,
        first_action=first_action,
    )


def action_values(owner: User, **changes: object) -> dict:
    values = {
        "title": "Fast punkt om opgavefordeling",
        "description": "Hver måned",
        "dimension": Dimension.JUSTICE,
        "core_task": None,
        "owner": owner,
        "due_on": TODAY() + timedelta(days=60),
    }
    values.update(changes)
    return values


def add_action(dialogue: ResultsDialogue, by: User, **changes: object) -> Action:
    """An action with `by` as its owner unless `changes` names another."""
    values = action_values(by)
    values.update(changes)
    return services.action_create(dialogue=dialogue, created_by=by, **values)


def overdue(action: Action, days: int = 5) -> Action:
    Action.objects.filter(pk=action.pk).update(due_on=TODAY() - timedelta(days=days))
    action.refresh_from_db()
    return action


def messages_of(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


# --- Services: recording a meeting and its first action -------------------------------------


def test_a_leader_records_a_meeting_with_its_first_action_and_the_owner_is_emailed_once(
    org: SimpleNamespace,
    leader: User,
    employee: User,
    survey_round: SurveyRound,
    django_capture_on_commit_callbacks: object,
) -> None:
    employee.email = "mette@example.dk"
    employee.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        dialogue = record(survey_round, leader, unit=org.nord, first_action=action_values(employee))
    action = dialogue.actions.get()
    assert (action.unit, action.round, action.owner, action.status) == (
        org.nord,
        survey_round,
        employee,
        Action.Status.PLANNED,
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["mette@example.dk"]
    assert reverse("socialkapital:action", args=[action.pk]) in mail.outbox[0].body
    action.refresh_from_db()
    assert action.owner_notified_at is not None
    # A task delivered twice sends one e-mail.
    assert notify_action_owner.delay(action.pk).get() is False
    assert len(mail.outbox) == 1


def test_a_meeting_in_the_future_is_refused(
    org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    with pytest.raises(ValidationError) as error:
        record(survey_round, leader, unit=org.nord, held_on=TODAY() + timedelta(days=1))
    assert "held_on" in error.value.error_dict


def test_a_meeting_before_the_round_closed_is_refused(
    org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    with pytest.raises(ValidationError) as error:
        record(survey_round, leader, unit=org.nord, held_on=TODAY() - timedelta(days=30))
    assert "held_on" in error.value.error_dict


def test_a_due_date_before_the_meeting_is_refused(
    org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    dialogue = record(survey_round, leader, unit=org.nord)
    with pytest.raises(ValidationError) as error:
        add_action(dialogue, leader, due_on=dialogue.held_on - timedelta(days=1))
    assert "due_on" in error.value.error_dict


def test_a_round_without_results_cannot_be_discussed(org: SimpleNamespace, leader: User) -> None:
    survey_round = closed_round(org.root)
    # Outside a request the services speak Danish; the test reads the English msgids.
    with translation.override("en"), pytest.raises(ValidationError) as error:
        record(survey_round, leader, unit=org.nord)
    assert "no results" in messages_of(error)


def test_a_round_that_did_not_measure_the_unit_cannot_be_discussed_for_it(
    org: SimpleNamespace, leader: User
) -> None:
    survey_round = with_results(closed_round(org.health))
    # Outside a request the services speak Danish; the test reads the English msgids.
    with translation.override("en"), pytest.raises(ValidationError) as error:
        record(survey_round, leader, unit=org.nord)
    assert "did not measure" in messages_of(error)


def test_an_owner_from_outside_the_unit_is_refused(
    org: SimpleNamespace, leader: User, other_leader: User, survey_round: SurveyRound
) -> None:
    dialogue = record(survey_round, leader, unit=org.nord)
    with pytest.raises(ValidationError) as error:
        add_action(dialogue, leader, owner=other_leader)
    assert "owner" in error.value.error_dict


def test_an_inactive_owner_is_refused(
    org: SimpleNamespace, leader: User, employee: User, survey_round: SurveyRound
) -> None:
    employee.is_active = False
    employee.save(update_fields=["is_active"])
    dialogue = record(survey_round, leader, unit=org.nord)
    with pytest.raises(ValidationError) as error:
        add_action(dialogue, leader, owner=employee)
    assert "owner" in error.value.error_dict


def test_a_draft_core_task_is_refused_and_an_adopted_one_accepted(
    org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    draft = CoreTask.objects.create(title="Kladde", status=CoreTask.Status.DRAFT)
    adopted = CoreTask.objects.create(
        title="Trivsel", status=CoreTask.Status.ADOPTED, adopted_on=TODAY()
    )
    dialogue = record(survey_round, leader, unit=org.nord)
    with pytest.raises(ValidationError) as error:
        add_action(dialogue, leader, core_task=draft, dimension="")
    assert "core_task" in error.value.error_dict
    assert add_action(dialogue, leader, core_task=adopted, dimension="").core_task == adopted


def test_an_action_needs_a_dimension_or_a_core_task(
    org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    dialogue = record(survey_round, leader, unit=org.nord)
    with pytest.raises(ValidationError) as error:
        add_action(dialogue, leader, dimension="")
    assert "dimension" in error.value.error_dict


def test_nothing_is_saved_when_the_first_action_is_invalid(
    org: SimpleNamespace, leader: User, other_leader: User, survey_round: SurveyRound
) -> None:
    with pytest.raises(ValidationError) as error:
        record(survey_round, leader, unit=org.nord, first_action=action_values(other_leader))
    assert "owner" in error.value.error_dict
    assert not ResultsDialogue.objects.exists()
    assert not Action.objects.exists()
    assert mail.outbox == []


def test_a_committee_records_with_a_member_or_a_covered_leader_as_owner(
    org: SimpleNamespace,
    med_member: User,
    leader: User,
    other_leader: User,
    area_committee: MedCommittee,
    survey_round: SurveyRound,
) -> None:
    dialogue = record(survey_round, med_member, committee=area_committee)
    assert add_action(dialogue, med_member).owner == med_member
    assert add_action(dialogue, med_member, owner=leader).owner == leader
    with pytest.raises(ValidationError):
        add_action(dialogue, med_member, owner=other_leader)


# --- Services: the status workflow ------------------------------------------------------------


def test_an_action_moves_to_in_progress_and_done_which_records_the_completion_date(
    org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    action = add_action(record(survey_round, leader, unit=org.nord), leader)
    action = services.action_update(action=action, values={"status": "in_progress"}, by=leader)
    assert action.completed_on is None
    action = services.action_update(action=action, values={"status": "done"}, by=leader)
    assert (action.status, action.completed_on) == ("done", TODAY())


def test_a_done_action_can_be_reopened_which_clears_the_completion_date(
    org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    action = add_action(record(survey_round, leader, unit=org.nord), leader)
    services.action_update(action=action, values={"status": "done"}, by=leader)
    action = services.action_update(action=action, values={"status": "in_progress"}, by=leader)
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("in_progress", None)


@pytest.mark.parametrize(
    ("start", "move"),
    [("in_progress", "planned"), ("dropped", "planned"), ("dropped", "done"), ("done", "planned")],
)
def test_moves_outside_the_workflow_are_refused(
    org: SimpleNamespace, leader: User, survey_round: SurveyRound, start: str, move: str
) -> None:
    action = add_action(record(survey_round, leader, unit=org.nord), leader)
    Action.objects.filter(pk=action.pk).update(status=start)
    with pytest.raises(ValidationError) as error:
        services.action_update(action=action, values={"status": move}, by=leader)
    assert "status" in error.value.error_dict
    action.refresh_from_db()
    assert action.status == start


def test_a_mail_server_that_is_down_leaves_the_action_saved_and_the_owner_to_be_told(
    org: SimpleNamespace,
    leader: User,
    survey_round: SurveyRound,
    django_capture_on_commit_callbacks: object,
) -> None:
    leader.email = "lars@example.dk"
    leader.save(update_fields=["email"])
    dialogue = record(survey_round, leader, unit=org.nord)
    with (
        mock.patch(
            "socialkapital.services.dialogue.EmailMessage.send",
            side_effect=SMTPException("down"),
        ) as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        action = add_action(dialogue, leader)
    assert send.called
    action.refresh_from_db()
    assert action.owner_notified_at is None
    assert notify_action_owner.delay(action.pk).get() is True
    assert len(mail.outbox) == 1


def test_a_new_owner_is_emailed(
    org: SimpleNamespace,
    leader: User,
    employee: User,
    survey_round: SurveyRound,
    django_capture_on_commit_callbacks: object,
) -> None:
    employee.email = "mette@example.dk"
    employee.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        action = add_action(record(survey_round, leader, unit=org.nord), leader)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.action_update(action=action, values={"owner": employee}, by=leader)
    assert len(mail.outbox) == sent + 1
    assert mail.outbox[-1].to == ["mette@example.dk"]


def test_overdue_owners_get_one_reminder_a_week(
    org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    from django.core.cache import cache

    cache.clear()
    leader.email = "lars@example.dk"
    leader.save(update_fields=["email"])
    action = overdue(add_action(record(survey_round, leader, unit=org.nord), leader))
    mail.outbox.clear()
    assert remind_overdue_actions.delay().get() == 1
    assert len(mail.outbox) == 1
    assert action.title in mail.outbox[0].body
    remind_overdue_actions.delay()
    assert len(mail.outbox) == 1
    cache.clear()


# --- Views: recording a meeting -------------------------------------------------------------


def create_url(unit: object, survey_round: SurveyRound) -> str:
    return (
        reverse("socialkapital:unit_dialogue_create", args=[unit.pk]) + f"?runde={survey_round.pk}"
    )


def committee_create_url(committee: MedCommittee, survey_round: SurveyRound) -> str:
    return (
        reverse("socialkapital:committee_dialogue_create", args=[committee.pk])
        + f"?runde={survey_round.pk}"
    )


def meeting_post(owner: User | None = None, **changes: str) -> dict[str, str]:
    data = {
        "held_on": (TODAY() - timedelta(days=1)).isoformat(),
        "themes": "Retfærdighed i opgavefordelingen",
    }
    if owner is not None:
        data.update(
            {
                "action-title": "Fast punkt om opgavefordeling",
                "action-dimension": Dimension.JUSTICE,
                "action-owner": str(owner.pk),
                "action-due_on": (TODAY() + timedelta(days=30)).isoformat(),
            }
        )
    data.update(changes)
    return data


def test_a_leader_records_a_meeting_of_their_unit_with_a_first_action(
    client_for: object, org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    client = client_for(leader)
    url = create_url(org.nord, survey_round)
    assert client.get(url).status_code == 200
    response = client.post(url, meeting_post(leader))
    dialogue = ResultsDialogue.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("socialkapital:dialogue", args=[dialogue.pk])
    assert (dialogue.unit, dialogue.round, dialogue.created_by) == (org.nord, survey_round, leader)
    assert dialogue.actions.get().owner == leader


def test_another_leader_cannot_find_the_unit_and_a_med_member_may_not_record_for_it(
    client_for: object,
    org: SimpleNamespace,
    other_leader: User,
    med_member: User,
    survey_round: SurveyRound,
) -> None:
    url = create_url(org.nord, survey_round)
    assert client_for(other_leader).get(url).status_code == 404
    assert client_for(med_member).post(url, meeting_post()).status_code == 403
    assert not ResultsDialogue.objects.exists()


def test_an_employee_may_not_record_a_meeting_of_their_workplace(
    client_for: object, org: SimpleNamespace, employee: User, survey_round: SurveyRound
) -> None:
    response = client_for(employee).post(create_url(org.solsikken, survey_round), meeting_post())
    assert response.status_code == 403


def test_an_invalid_first_action_rerenders_the_form_and_saves_nothing(
    client_for: object,
    org: SimpleNamespace,
    leader: User,
    other_leader: User,
    survey_round: SurveyRound,
) -> None:
    client = client_for(leader)
    data = meeting_post(leader, **{"action-due_on": "not a date", "held_on": "2.2.2"})
    response = client.post(create_url(org.nord, survey_round), data)
    assert response.status_code == 200
    assert response.context["form"].errors["held_on"]
    assert response.context["action_form"].errors["due_on"]
    # A well-formed owner the rules refuse (not of the unit) comes back from the service.
    response = client.post(
        create_url(org.nord, survey_round),
        meeting_post(leader, **{"action-owner": str(other_leader.pk)}),
    )
    assert response.status_code == 200
    assert response.context["action_form"].errors["owner"]
    assert not ResultsDialogue.objects.exists()


def test_a_meeting_with_an_action_without_a_title_is_refused(
    client_for: object, org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    data = meeting_post(leader, **{"action-title": ""})
    response = client_for(leader).post(create_url(org.nord, survey_round), data)
    assert response.status_code == 200
    assert response.context["action_form"].errors["title"]
    assert not ResultsDialogue.objects.exists()


def test_an_unknown_round_is_not_found(
    client_for: object, org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    url = reverse("socialkapital:unit_dialogue_create", args=[org.nord.pk])
    assert client_for(leader).get(url + "?runde=abc").status_code == 404
    assert client_for(leader).get(url + "?runde=999999").status_code == 404


def test_a_med_member_records_a_meeting_of_their_committee(
    client_for: object,
    med_member: User,
    area_committee: MedCommittee,
    survey_round: SurveyRound,
) -> None:
    response = client_for(med_member).post(
        committee_create_url(area_committee, survey_round), meeting_post(med_member)
    )
    assert response.status_code == 302
    dialogue = ResultsDialogue.objects.get()
    assert dialogue.committee == area_committee
    assert dialogue.actions.get().committee == area_committee


def test_a_leader_who_sees_the_committee_may_not_record_for_it_and_others_cannot_find_it(
    client_for: object,
    leader: User,
    other_leader: User,
    area_committee: MedCommittee,
    survey_round: SurveyRound,
) -> None:
    url = committee_create_url(area_committee, survey_round)
    assert client_for(leader).get(url).status_code == 403
    assert client_for(other_leader).get(url).status_code == 404


# --- Views: a meeting and its actions --------------------------------------------------------


def test_the_meeting_page_adds_an_action_with_htmx_and_shows_it(
    client_for: object, org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    dialogue = record(survey_round, leader, unit=org.nord)
    client = client_for(leader)
    page = client.get(reverse("socialkapital:dialogue", args=[dialogue.pk]))
    assert page.status_code == 200
    assert b"Opgavefordeling og samarbejde" in page.content
    url = reverse("socialkapital:action_create", args=[dialogue.pk])
    data = {
        "title": "Skyggedage",
        "dimension": Dimension.BRIDGING,
        "owner": str(leader.pk),
        "due_on": (TODAY() + timedelta(days=20)).isoformat(),
    }
    response = client.post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"Skyggedage" in response.content
    assert dialogue.actions.get().title == "Skyggedage"


def test_an_invalid_action_rerenders_the_form_with_its_errors(
    client_for: object, org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    dialogue = record(survey_round, leader, unit=org.nord)
    url = reverse("socialkapital:action_create", args=[dialogue.pk])
    response = client_for(leader).post(
        url, {"title": "", "due_on": "31-31-2020"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert b"form-error-message" in response.content
    assert not Action.objects.exists()


def test_an_employee_reads_their_workplaces_meeting_but_may_not_add_actions(
    client_for: object,
    org: SimpleNamespace,
    leader: User,
    employee: User,
    survey_round: SurveyRound,
) -> None:
    dialogue = record(survey_round, leader, unit=org.solsikken)
    client = client_for(employee)
    page = client.get(reverse("socialkapital:dialogue", args=[dialogue.pk]))
    assert page.status_code == 200
    assert page.context["form"] is None
    url = reverse("socialkapital:action_create", args=[dialogue.pk])
    assert client.post(url, {"title": "x"}).status_code == 403


def test_a_meeting_of_another_unit_is_not_found(
    client_for: object,
    org: SimpleNamespace,
    leader: User,
    other_leader: User,
    employee: User,
    survey_round: SurveyRound,
) -> None:
    dialogue = record(survey_round, leader, unit=org.nord)
    url = reverse("socialkapital:dialogue", args=[dialogue.pk])
    assert client_for(other_leader).get(url).status_code == 404
    assert client_for(employee).get(url).status_code == 404


# --- Views: actions -------------------------------------------------------------------------


def test_the_overview_lists_overdue_actions_first(
    client_for: object, org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    dialogue = record(survey_round, leader, unit=org.nord)
    soon = add_action(dialogue, leader, title="Snart", due_on=TODAY() + timedelta(days=3))
    late = overdue(add_action(dialogue, leader, title="Forsinket"))
    done = add_action(dialogue, leader, title="Klaret")
    services.action_update(action=done, values={"status": "done"}, by=leader)
    response = client_for(leader).get(reverse("socialkapital:actions"))
    assert response.status_code == 200
    content = response.content.decode()
    positions = [content.index(f'data-action="{action.pk}"') for action in (late, soon, done)]
    assert positions == sorted(positions)
    assert f'data-action="{late.pk}" data-status="planned" data-overdue="true"' in content


def test_the_overview_filters_with_htmx_and_ignores_bad_filters(
    client_for: object, org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    dialogue = record(survey_round, leader, unit=org.nord)
    soon = add_action(dialogue, leader, title="Snart")
    late = overdue(add_action(dialogue, leader, title="Forsinket"))
    client = client_for(leader)
    response = client.get(
        reverse("socialkapital:actions") + "?status=overdue", headers={"HX-Request": "true"}
    )
    assert b"<html" not in response.content
    assert f'data-action="{late.pk}"'.encode() in response.content
    assert f'data-action="{soon.pk}"'.encode() not in response.content
    response = client.get(reverse("socialkapital:actions") + "?unit=abc&status=nonsense")
    assert response.status_code == 200


def test_the_overview_shows_an_employee_their_workplaces_actions_only(
    client_for: object,
    org: SimpleNamespace,
    leader: User,
    employee: User,
    survey_round: SurveyRound,
) -> None:
    own = add_action(record(survey_round, leader, unit=org.solsikken), leader, title="Vores")
    other = add_action(record(survey_round, leader, unit=org.maelkeboetten), leader, title="Deres")
    response = client_for(employee).get(reverse("socialkapital:actions"))
    assert f'data-action="{own.pk}"'.encode() in response.content
    assert f'data-action="{other.pk}"'.encode() not in response.content


def test_the_overview_needs_sign_in(client: object) -> None:
    response = client.get(reverse("socialkapital:actions"))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_a_leader_updates_an_actions_status_on_its_page(
    client_for: object, org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    action = add_action(record(survey_round, leader, unit=org.nord), leader)
    url = reverse("socialkapital:action", args=[action.pk])
    data = {
        "status": "done",
        "description": "Klaret på personalemødet",
        "due_on": action.due_on.isoformat(),
        "owner": str(leader.pk),
    }
    response = client_for(leader).post(url, data)
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.description, action.completed_on) == (
        "done",
        "Klaret på personalemødet",
        TODAY(),
    )


def test_a_refused_status_move_rerenders_the_form(
    client_for: object, org: SimpleNamespace, leader: User, survey_round: SurveyRound
) -> None:
    action = add_action(record(survey_round, leader, unit=org.nord), leader)
    Action.objects.filter(pk=action.pk).update(status="dropped")
    url = reverse("socialkapital:action", args=[action.pk])
    data = {"status": "done", "due_on": "garbage", "owner": "x"}
    response = client_for(leader).post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    action.refresh_from_db()
    assert action.status == "dropped"


def test_the_owner_updates_their_action_but_a_colleague_may_only_read_it(
    client_for: object,
    org: SimpleNamespace,
    leader: User,
    employee: User,
    survey_round: SurveyRound,
) -> None:
    colleague = UserFactory(username="kollega", home_unit=org.solsikken)
    dialogue = record(survey_round, leader, unit=org.solsikken)
    action = add_action(dialogue, leader, owner=employee)
    url = reverse("socialkapital:action", args=[action.pk])
    data = {"status": "in_progress", "due_on": action.due_on.isoformat(), "owner": employee.pk}
    assert client_for(employee).post(url, data).status_code == 302
    action.refresh_from_db()
    assert action.status == "in_progress"
    client = client_for(colleague)
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"] is None
    assert client.post(url, {**data, "status": "done"}).status_code == 403


def test_an_action_of_another_unit_is_not_found(
    client_for: object,
    org: SimpleNamespace,
    leader: User,
    other_leader: User,
    survey_round: SurveyRound,
) -> None:
    action = add_action(record(survey_round, leader, unit=org.nord), leader)
    url = reverse("socialkapital:action", args=[action.pk])
    assert client_for(other_leader).get(url).status_code == 404
    assert client_for(other_leader).post(url, {"status": "done"}).status_code == 404


# --- Panels -----------------------------------------------------------------------------------


def panel_request(user: User) -> object:
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_the_results_page_shows_the_rounds_meetings_and_earlier_rounds_open_actions(
    org: SimpleNamespace,
    leader: User,
    survey_round: SurveyRound,
    older_round: SurveyRound,
) -> None:
    earlier = record(older_round, leader, unit=org.nord, held_on=TODAY() - timedelta(days=150))
    still_open = add_action(earlier, leader, title="Fra sidst")
    finished = add_action(earlier, leader, title="Klaret sidst")
    services.action_update(action=finished, values={"status": "done"}, by=leader)
    now = add_action(record(survey_round, leader, unit=org.nord), leader, title="Ny")
    context = dialogue_panels.unit_dialogue_context(
        panel_request(leader), ResultsPage(unit=org.nord, round=survey_round)
    )
    assert context["actions"] == [now]
    assert context["earlier_actions"] == [still_open]
    assert context["create_url"].endswith(f"?runde={survey_round.pk}")
    # On the older round's page, the newer round's actions are not "earlier".
    older = dialogue_panels.unit_dialogue_context(
        panel_request(leader), ResultsPage(unit=org.nord, round=older_round)
    )
    assert older["earlier_actions"] == []


def test_the_results_panel_renders_for_those_who_see_the_unit_and_links_recording(
    org: SimpleNamespace,
    leader: User,
    med_member: User,
    other_leader: User,
    survey_round: SurveyRound,
    older_round: SurveyRound,
) -> None:
    earlier = record(older_round, leader, unit=org.nord, held_on=TODAY() - timedelta(days=150))
    still_open = add_action(earlier, leader, title="Fra sidst")
    page = ResultsPage(unit=org.nord, round=survey_round)
    from socialkapital.panels import results_panels

    html = "".join(results_panels.render(panel_request(leader), page))
    assert 'id="unit-dialogue"' in html
    assert "data-earlier-actions" in html
    assert f'data-action="{still_open.pk}"' in html
    assert reverse("socialkapital:unit_dialogue_create", args=[org.nord.pk]) in html
    med_html = "".join(results_panels.render(panel_request(med_member), page))
    assert 'id="unit-dialogue"' in med_html
    assert reverse("socialkapital:unit_dialogue_create", args=[org.nord.pk]) not in med_html
    assert dialogue_panels.unit_dialogue_context(panel_request(other_leader), page) is None


def test_the_committee_page_shows_its_meetings_and_actions_to_members(
    client_for: object,
    med_member: User,
    other_leader: User,
    area_committee: MedCommittee,
    survey_round: SurveyRound,
) -> None:
    dialogue = record(survey_round, med_member, committee=area_committee)
    action = add_action(dialogue, med_member, title="Del erfaringer")
    response = client_for(med_member).get(reverse("med:committee", args=[area_committee.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="committee-dialogue"' in content
    assert f'data-action="{action.pk}"' in content
    assert committee_create_url(area_committee, survey_round) in content
    assert (
        dialogue_panels.committee_dialogue_context(panel_request(other_leader), area_committee)
        is None
    )


# --- Demo -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_demo_records_meetings_and_actions_without_sending_email(settings: object) -> None:
    from io import StringIO

    from django.core.management import call_command

    from organisation import demo as organisation_demo
    from socialkapital.dialogue_demo import build_dialogue_demo

    settings.DEBUG = True
    call_command("seed_demo", employees=200, stdout=StringIO())
    SurveyRound.objects.filter(status=SurveyRound.Status.CLOSED).update(results_version=1)
    mail.outbox.clear()
    build_dialogue_demo(seed=1)
    assert build_dialogue_demo(seed=1) == "meetings and actions kept"
    leader = User.objects.get(username="leder")
    med = User.objects.get(username="med")
    assert ResultsDialogue.objects.filter(unit__role_assignments__user=leader).count() == 2
    assert ResultsDialogue.objects.filter(committee__memberships__user=med).count() == 2
    assert Action.objects.overdue(TODAY()).exists()
    assert Action.objects.filter(status="done").exists()
    assert Action.objects.filter(status__in=Action.OPEN_STATUSES, due_on__gte=TODAY()).exists()
    for action in Action.objects.select_related("unit", "committee", "owner"):
        allowed = services.action_owner_candidates(unit=action.unit, committee=action.committee)
        assert allowed.filter(pk=action.owner_id).exists()
        assert action.due_on >= action.dialogue.held_on
    assert mail.outbox == []
    organisation_demo.delete_demo()
    assert not ResultsDialogue.objects.exists()
    assert not Action.objects.exists()
