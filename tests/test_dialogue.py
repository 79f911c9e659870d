"""Signed-in dialogue on core tasks, the hub page's dialogue panel, HR's moderation of citizens'
inputs, and the outcome every input gets."""

from __future__ import annotations

import datetime

import pytest
from django.test import RequestFactory
from django.urls import reverse

from kerneopgaver import services
from kerneopgaver.dialogue_views import dialogue_panel_context
from kerneopgaver.models import TEXT_LIMIT, CoreTask, CoreTaskChange, DialogueInput
from kerneopgaver.panels import hub_panels
from organisation.models import User

pytestmark = pytest.mark.django_db


def make_core_task(
    status: str = CoreTask.Status.IN_DIALOGUE, owner: User | None = None, **fields: object
) -> CoreTask:
    if status == CoreTask.Status.ADOPTED:
        fields.setdefault("adopted_on", datetime.date(2024, 6, 1))
    return CoreTask.objects.create(
        title=fields.pop("title", "Trygge børn"),
        purpose="Børn vokser op trygt.",
        desired_effect="Flere børn trives.",
        status=status,
        administrative_owner=owner,
        **fields,
    )


def citizen_input(core_task: CoreTask, text: str = "Godt forslag", **fields: object):
    return DialogueInput.objects.create(
        core_task=core_task,
        channel=DialogueInput.Channel.CITIZEN,
        text=text,
        moderation=fields.pop("moderation", DialogueInput.Moderation.PENDING),
        **fields,
    )


def panel_for(user: User, core_task: CoreTask) -> str:
    request = RequestFactory().get(reverse("kerneopgaver:hub", args=[core_task.pk]))
    request.user = user
    return "".join(hub_panels.render(request, core_task))


# --- Signed-in inputs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "channel"),
    [
        ("employee", DialogueInput.Channel.EMPLOYEE),
        ("leader", DialogueInput.Channel.LEADER),
        ("politician", DialogueInput.Channel.POLITICIAN),
    ],
)
def test_a_signed_in_input_is_stored_with_the_authors_role_as_channel_and_shown_at_once(
    request, client_for, persona: str, channel: str
) -> None:
    user = request.getfixturevalue(persona)
    core_task = make_core_task()
    response = client_for(user).post(
        reverse("kerneopgaver:input_add", args=[core_task.pk]),
        {"kind": "suggestion", "text": "Inddrag forældrene tidligere."},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("kerneopgaver:hub", args=[core_task.pk]))
    stored = DialogueInput.objects.get()
    assert stored.channel == channel
    assert stored.author == user
    assert stored.kind == "suggestion"
    assert stored.moderation == DialogueInput.Moderation.APPROVED


def test_an_input_is_refused_when_the_core_task_is_not_in_dialogue(client_for, employee) -> None:
    core_task = make_core_task(status=CoreTask.Status.ADOPTED)
    response = client_for(employee).post(
        reverse("kerneopgaver:input_add", args=[core_task.pk]),
        {"kind": "comment", "text": "For sent?"},
        follow=True,
    )
    assert response.status_code == 200
    assert DialogueInput.objects.count() == 0
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_the_service_refuses_an_input_when_the_dialogue_has_closed(employee) -> None:
    core_task = make_core_task(status=CoreTask.Status.RETIRED)
    with pytest.raises(services.DialogueClosed):
        services.dialogue_input_add(core_task=core_task, author=employee, kind="comment", text="x")
    assert DialogueInput.objects.count() == 0


def test_an_empty_input_shows_the_form_again_with_an_error_and_stores_nothing(
    client_for, employee
) -> None:
    core_task = make_core_task()
    response = client_for(employee).post(
        reverse("kerneopgaver:input_add", args=[core_task.pk]), {"kind": "comment", "text": ""}
    )
    assert response.status_code == 200
    assert "text" in response.context["form"].errors
    assert b'class="form-error-message"' in response.content
    assert DialogueInput.objects.count() == 0


def test_a_too_long_input_from_htmx_re_renders_the_dialogue_panel_with_the_error(
    client_for, employee
) -> None:
    core_task = make_core_task()
    response = client_for(employee).post(
        reverse("kerneopgaver:input_add", args=[core_task.pk]),
        {"kind": "comment", "text": "x" * (TEXT_LIMIT + 1)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<section id="dialogue"')
    assert "text" in response.context["form"].errors
    assert DialogueInput.objects.count() == 0


def test_an_htmx_input_returns_the_panel_with_the_new_input(client_for, politician) -> None:
    core_task = make_core_task()
    response = client_for(politician).post(
        reverse("kerneopgaver:input_add", args=[core_task.pk]),
        {"kind": "comment", "text": "Husk de ældste børn."},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Husk de ældste børn." in response.content.decode()
    assert "Pia Politiker" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_sign_in_before_adding_an_input(client) -> None:
    core_task = make_core_task()
    response = client.post(
        reverse("kerneopgaver:input_add", args=[core_task.pk]), {"kind": "comment", "text": "Hej"}
    )
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert DialogueInput.objects.count() == 0


def test_nobody_can_comment_on_a_draft_they_cannot_see(client_for, employee) -> None:
    core_task = make_core_task(status=CoreTask.Status.DRAFT)
    response = client_for(employee).post(
        reverse("kerneopgaver:input_add", args=[core_task.pk]), {"kind": "comment", "text": "Hej"}
    )
    assert response.status_code == 404


# --- The hub page's panel -------------------------------------------------------------------


def test_the_panel_is_left_out_for_a_draft_without_inputs(rf, hr) -> None:
    core_task = make_core_task(status=CoreTask.Status.DRAFT)
    request = rf.get("/")
    request.user = hr
    assert dialogue_panel_context(request, core_task) is None


def test_the_panel_offers_the_form_only_to_those_who_may_add_inputs(
    employee, hr, politician
) -> None:
    in_dialogue = make_core_task()
    adopted = make_core_task(status=CoreTask.Status.ADOPTED, title="Vedtaget")
    assert 'name="text"' in panel_for(employee, in_dialogue)
    assert 'name="text"' in panel_for(politician, in_dialogue)
    assert 'name="text"' not in panel_for(employee, adopted)


def test_hr_sees_how_many_citizen_inputs_await_moderation_on_the_panel(rf, hr, employee) -> None:
    core_task = make_core_task(citizen_consultation=True)
    citizen_input(core_task)
    citizen_input(core_task)
    request = rf.get("/")
    request.user = hr
    assert dialogue_panel_context(request, core_task)["pending_count"] == 2
    request.user = employee
    assert dialogue_panel_context(request, core_task)["pending_count"] is None


def test_the_panel_shows_approved_inputs_but_never_pending_or_rejected_ones(hr) -> None:
    core_task = make_core_task(citizen_consultation=True)
    citizen_input(core_task, "Vises", moderation=DialogueInput.Moderation.APPROVED)
    citizen_input(core_task, "Venter")
    citizen_input(core_task, "Afvist", moderation=DialogueInput.Moderation.REJECTED)
    html = panel_for(hr, core_task)
    assert "Vises" in html
    assert "Venter" not in html
    assert "Afvist" not in html


def test_the_panel_shows_the_definition_changes_that_took_an_input_in(employee, hr) -> None:
    core_task = make_core_task()
    taken = services.dialogue_input_add(
        core_task=core_task, author=employee, kind="suggestion", text="Skriv om formålet"
    )
    change = CoreTaskChange.objects.create(
        core_task=core_task, author=hr, kind=CoreTaskChange.Kind.EDITED, summary="Nyt formål"
    )
    change.inputs.add(taken)
    assert "Nyt formål" in panel_for(employee, core_task)


# --- Moderation -----------------------------------------------------------------------------


def test_hr_sees_pending_citizen_inputs_oldest_first(client_for, hr) -> None:
    core_task = make_core_task(citizen_consultation=True)
    first = citizen_input(core_task, "Først")
    second = citizen_input(core_task, "Senere")
    citizen_input(core_task, "Allerede vist", moderation=DialogueInput.Moderation.APPROVED)
    response = client_for(hr).get(reverse("kerneopgaver:moderation"))
    assert response.status_code == 200
    assert list(response.context["inputs"]) == [first, second]


@pytest.mark.parametrize("persona", ["employee", "leader", "politician", "med_member"])
def test_only_hr_may_open_the_moderation_page(request, client_for, persona: str) -> None:
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse("kerneopgaver:moderation")).status_code == 403


def test_hr_approves_an_input_and_who_and_when_is_recorded(client_for, hr) -> None:
    core_task = make_core_task(citizen_consultation=True)
    pending = citizen_input(core_task)
    response = client_for(hr).post(
        reverse("kerneopgaver:input_moderate", args=[pending.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.moderation == DialogueInput.Moderation.APPROVED
    assert pending.moderated_by == hr
    assert pending.moderated_at is not None


def test_hr_rejects_an_input_and_it_stays_rejected(client_for, hr) -> None:
    core_task = make_core_task(citizen_consultation=True)
    pending = citizen_input(core_task)
    client = client_for(hr)
    client.post(reverse("kerneopgaver:input_moderate", args=[pending.pk]), {"decision": "reject"})
    # A second decision on the same input changes nothing.
    client.post(reverse("kerneopgaver:input_moderate", args=[pending.pk]), {"decision": "approve"})
    pending.refresh_from_db()
    assert pending.moderation == DialogueInput.Moderation.REJECTED


@pytest.mark.parametrize("persona", ["employee", "leader", "politician"])
def test_nobody_but_hr_can_moderate_an_input(request, client_for, persona: str) -> None:
    user = request.getfixturevalue(persona)
    core_task = make_core_task(citizen_consultation=True)
    pending = citizen_input(core_task)
    response = client_for(user).post(
        reverse("kerneopgaver:input_moderate", args=[pending.pk]), {"decision": "approve"}
    )
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.moderation == DialogueInput.Moderation.PENDING


# --- Outcomes -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["hr", "owner"])
def test_hr_and_the_owner_set_an_outcome_with_a_reason_and_it_is_kept_in_history(
    request, client_for, employee, leader, persona: str
) -> None:
    user = request.getfixturevalue("hr") if persona == "hr" else leader
    core_task = make_core_task(owner=leader)
    answered = services.dialogue_input_add(
        core_task=core_task, author=employee, kind="suggestion", text="Mere udeliv"
    )
    client = client_for(user)
    assert client.get(reverse("kerneopgaver:input_outcome", args=[answered.pk])).status_code == 200
    response = client.post(
        reverse("kerneopgaver:input_outcome", args=[answered.pk]),
        {"outcome": "taken_in", "reason": "Står nu i formålet."},
    )
    assert response.status_code == 302
    answered.refresh_from_db()
    assert answered.outcome == DialogueInput.Outcome.TAKEN_IN
    assert answered.outcome_reason == "Står nu i formålet."
    assert answered.outcome_by == user
    change = CoreTaskChange.objects.get(kind=CoreTaskChange.Kind.OUTCOME)
    assert change.author == user
    assert change.core_task == core_task
    assert list(change.inputs.all()) == [answered]
    assert change.changes["outcome"] == {"from": "open", "to": "taken_in"}


def test_the_outcome_and_reason_are_shown_with_the_input(employee) -> None:
    core_task = make_core_task()
    answered = services.dialogue_input_add(
        core_task=core_task, author=employee, kind="comment", text="Hvad med søskende?"
    )
    services.dialogue_input_set_outcome(
        dialogue_input=answered, author=employee, outcome="not_taken_in", reason="Dækket andetsteds"
    )
    assert "Dækket andetsteds" in panel_for(employee, core_task)


@pytest.mark.parametrize("persona", ["politician", "employee", "other_leader"])
def test_those_who_cannot_edit_the_core_task_cannot_set_an_outcome(
    request, client_for, leader, persona: str
) -> None:
    user = request.getfixturevalue(persona)
    core_task = make_core_task(owner=leader)
    answered = services.dialogue_input_add(
        core_task=core_task, author=leader, kind="comment", text="Tekst"
    )
    client = client_for(user)
    assert client.get(reverse("kerneopgaver:input_outcome", args=[answered.pk])).status_code == 403
    response = client.post(
        reverse("kerneopgaver:input_outcome", args=[answered.pk]),
        {"outcome": "taken_in", "reason": "Fordi"},
    )
    assert response.status_code == 403
    answered.refresh_from_db()
    assert answered.outcome == DialogueInput.Outcome.OPEN
    assert not CoreTaskChange.objects.exists()


def test_an_outcome_without_a_reason_is_refused_and_nothing_is_saved(client_for, hr) -> None:
    core_task = make_core_task()
    answered = services.dialogue_input_add(
        core_task=core_task, author=hr, kind="comment", text="Tekst"
    )
    response = client_for(hr).post(
        reverse("kerneopgaver:input_outcome", args=[answered.pk]),
        {"outcome": "not_taken_in", "reason": "   "},
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    answered.refresh_from_db()
    assert answered.outcome == DialogueInput.Outcome.OPEN
    assert not CoreTaskChange.objects.exists()


def test_an_input_awaiting_moderation_cannot_be_answered_yet(client_for, hr) -> None:
    core_task = make_core_task(citizen_consultation=True)
    pending = citizen_input(core_task)
    response = client_for(hr).get(reverse("kerneopgaver:input_outcome", args=[pending.pk]))
    assert response.status_code == 404
