"""Core tasks: creating and editing, the status workflow, history, and contributions."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kerneopgaver import services
from kerneopgaver.models import Contribution, CoreTask, CoreTaskChange, DialogueInput
from organisation.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Status = CoreTask.Status
TODAY = timezone.localdate()


def make_task(title: str = "Trygge børn", *, status: str = Status.DRAFT, **fields) -> CoreTask:
    if status == Status.ADOPTED:
        fields.setdefault("adopted_on", TODAY)
        fields.setdefault("council_decision", "BR 1/2024")
    return CoreTask.objects.create(
        title=title,
        purpose="Børn vokser trygt op.",
        desired_effect="Flere børn trives.",
        status=status,
        **fields,
    )


@pytest.fixture
def owner(org: SimpleNamespace) -> User:
    return UserFactory(username="ejer", name="Ole Ejer", home_unit=org.children)


@pytest.fixture
def task(owner: User) -> CoreTask:
    return make_task(administrative_owner=owner)


# --- Creating and editing -------------------------------------------------------------------


def test_hr_creates_a_core_task_as_a_draft_and_the_history_records_it(
    client_for, hr: User, owner: User
) -> None:
    other = make_task("Sund aldring", status=Status.ADOPTED)
    response = client_for(hr).post(
        "/kerneopgaver/ny/",
        {
            "title": "Læring for alle",
            "purpose": "Alle børn lærer.",
            "desired_effect": "Flere børn består.",
            "political_owner": "Børne- og Skoleudvalget",
            "administrative_owner": owner.pk,
            "depends_on": [other.pk],
        },
    )
    created = CoreTask.objects.get(title="Læring for alle")
    assert response.status_code == 302
    assert response["Location"] == f"/kerneopgaver/{created.pk}/"
    assert created.status == Status.DRAFT
    assert list(created.depends_on.all()) == [other]
    change = created.changes.get()
    assert change.kind == CoreTaskChange.Kind.CREATED
    assert change.author == hr
    assert change.changes["administrative_owner"]["to"] == "Ole Ejer"


def test_a_leader_cannot_create_a_core_task(client_for, leader: User) -> None:
    assert client_for(leader).get("/kerneopgaver/ny/").status_code == 403


def test_a_core_task_without_purpose_shows_the_error_and_saves_nothing(
    client_for, hr: User
) -> None:
    response = client_for(hr).post(
        "/kerneopgaver/ny/", {"title": "Uden formål", "desired_effect": "x"}
    )
    assert response.status_code == 200
    assert "purpose" in response.context["form"].errors
    assert not CoreTask.objects.exists()


def test_the_administrative_owner_edits_and_the_history_keeps_the_field_diff(
    client_for, owner: User, task: CoreTask
) -> None:
    response = client_for(owner).post(
        f"/kerneopgaver/{task.pk}/rediger/",
        {
            "title": task.title,
            "purpose": task.purpose,
            "desired_effect": "Alle børn trives.",
            "administrative_owner": owner.pk,
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.desired_effect == "Alle børn trives."
    change = task.changes.get(kind=CoreTaskChange.Kind.EDITED)
    assert change.author == owner
    assert change.changes == {
        "desired_effect": {"from": "Flere børn trives.", "to": "Alle børn trives."}
    }


def test_a_core_task_cannot_depend_on_itself(hr: User, task: CoreTask) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.core_task_update(core_task=task, author=hr, values={"depends_on": [task]})
    assert not task.depends_on.exists()


def test_a_politician_cannot_edit_a_core_task(client_for, politician: User, task: CoreTask) -> None:
    task.status = Status.ADOPTED
    task.adopted_on = TODAY
    task.save()
    client = client_for(politician)
    assert client.get(f"/kerneopgaver/{task.pk}/rediger/").status_code == 403
    response = client.post(f"/kerneopgaver/{task.pk}/status/", {"to_status": "retired"})
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == Status.ADOPTED


def test_a_politician_gets_404_for_a_draft_they_cannot_see(
    client_for, politician: User, task: CoreTask
) -> None:
    assert client_for(politician).get(f"/kerneopgaver/{task.pk}/rediger/").status_code == 404


def test_a_retired_core_task_cannot_be_edited(client_for, hr: User, task: CoreTask) -> None:
    CoreTask.objects.filter(pk=task.pk).update(status=Status.RETIRED)
    response = client_for(hr).post(
        f"/kerneopgaver/{task.pk}/rediger/",
        {"title": "Nyt navn", "purpose": "x", "desired_effect": "y"},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.title == "Trygge børn"


def test_editing_a_task_in_dialogue_links_the_inputs_it_takes_in(
    client_for, hr: User, employee: User, task: CoreTask
) -> None:
    CoreTask.objects.filter(pk=task.pk).update(status=Status.IN_DIALOGUE)
    taken = DialogueInput.objects.create(
        core_task=task, author=employee, channel="employee", text="Husk forældrene."
    )
    pending = DialogueInput.objects.create(
        core_task=task, channel="citizen", text="Ikke modereret", moderation="pending"
    )
    response = client_for(hr).post(
        f"/kerneopgaver/{task.pk}/rediger/",
        {
            "title": task.title,
            "purpose": task.purpose,
            "desired_effect": "Flere børn og forældre trives.",
            "inputs": [taken.pk],
        },
    )
    assert response.status_code == 302
    change = task.changes.get(kind=CoreTaskChange.Kind.EDITED)
    assert list(change.inputs.all()) == [taken]
    # An input awaiting moderation is not offered, so it cannot be ticked.
    response = client_for(hr).post(
        f"/kerneopgaver/{task.pk}/rediger/",
        {
            "title": task.title,
            "purpose": task.purpose,
            "desired_effect": "z",
            "inputs": [pending.pk],
        },
    )
    assert response.status_code == 200
    assert "inputs" in response.context["form"].errors


def test_the_hub_history_shows_the_author_and_the_inputs_taken_in(
    client_for, hr: User, employee: User, task: CoreTask
) -> None:
    CoreTask.objects.filter(pk=task.pk).update(status=Status.IN_DIALOGUE)
    task.refresh_from_db()
    taken = DialogueInput.objects.create(
        core_task=task, author=employee, channel="employee", text="Husk bedsteforældrene."
    )
    services.core_task_update(
        core_task=task, author=hr, values={"partners": "Ældresagen"}, inputs=[taken]
    )
    page = client_for(employee).get(f"/kerneopgaver/{task.pk}/").content.decode()
    assert "Hanne HR" in page
    assert "Ældresagen" in page
    assert "Husk bedsteforældrene." in page


# --- Status workflow ------------------------------------------------------------------------


ALLOWED = [
    (Status.DRAFT, Status.IN_DIALOGUE),
    (Status.IN_DIALOGUE, Status.DRAFT),
    (Status.IN_DIALOGUE, Status.ADOPTED),
    (Status.ADOPTED, Status.RETIRED),
    (Status.ADOPTED, Status.IN_DIALOGUE),
]
REFUSED = [
    (Status.DRAFT, Status.ADOPTED),
    (Status.DRAFT, Status.RETIRED),
    (Status.IN_DIALOGUE, Status.RETIRED),
    (Status.ADOPTED, Status.DRAFT),
    (Status.RETIRED, Status.DRAFT),
    (Status.RETIRED, Status.IN_DIALOGUE),
    (Status.RETIRED, Status.ADOPTED),
]


def _set_status(task: CoreTask, status: str) -> None:
    CoreTask.objects.filter(pk=task.pk).update(
        status=status, adopted_on=TODAY if status in (Status.ADOPTED, Status.RETIRED) else None
    )


@pytest.mark.parametrize(("start", "end"), ALLOWED)
def test_each_allowed_status_move_is_made_and_recorded(
    client_for, hr: User, task: CoreTask, start: str, end: str
) -> None:
    _set_status(task, start)
    response = client_for(hr).post(
        f"/kerneopgaver/{task.pk}/status/",
        {"to_status": end, "adopted_on": TODAY.isoformat(), "council_decision": "BR 12/2025"},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == end
    change = task.changes.get(kind=CoreTaskChange.Kind.STATUS)
    assert change.author == hr
    assert change.changes["status"] == {"from": start, "to": end}


@pytest.mark.parametrize(("start", "end"), REFUSED)
def test_each_refused_status_move_is_refused_with_a_message(
    client_for, hr: User, task: CoreTask, start: str, end: str
) -> None:
    _set_status(task, start)
    response = client_for(hr).post(
        f"/kerneopgaver/{task.pk}/status/",
        {"to_status": end, "adopted_on": TODAY.isoformat(), "council_decision": "BR 12/2025"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    task.refresh_from_db()
    assert task.status == start
    assert not task.changes.exists()


def test_the_owner_may_move_the_status(client_for, owner: User, task: CoreTask) -> None:
    response = client_for(owner).post(
        f"/kerneopgaver/{task.pk}/status/", {"to_status": "in_dialogue"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == Status.IN_DIALOGUE


@pytest.mark.parametrize("persona", ["leader", "politician", "employee"])
def test_others_may_not_move_the_status(request, client_for, task: CoreTask, persona: str) -> None:
    _set_status(task, Status.IN_DIALOGUE)
    user = request.getfixturevalue(persona)
    response = client_for(user).post(f"/kerneopgaver/{task.pk}/status/", {"to_status": "draft"})
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == Status.IN_DIALOGUE


def test_adoption_needs_a_date_and_a_council_decision(client_for, hr: User, task: CoreTask) -> None:
    _set_status(task, Status.IN_DIALOGUE)
    response = client_for(hr).post(f"/kerneopgaver/{task.pk}/status/", {"to_status": "adopted"})
    errors = response.context["form"].errors
    assert {"adopted_on", "council_decision"} <= set(errors)
    task.refresh_from_db()
    assert task.status == Status.IN_DIALOGUE


def test_adoption_on_a_future_date_is_refused(client_for, hr: User, task: CoreTask) -> None:
    _set_status(task, Status.IN_DIALOGUE)
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = client_for(hr).post(
        f"/kerneopgaver/{task.pk}/status/",
        {"to_status": "adopted", "adopted_on": tomorrow.isoformat(), "council_decision": "BR 1"},
    )
    assert "adopted_on" in response.context["form"].errors
    task.refresh_from_db()
    assert task.status == Status.IN_DIALOGUE
    assert task.adopted_on is None


def test_citizen_consultation_opens_only_in_dialogue_and_closes_when_leaving_it(
    hr: User, task: CoreTask
) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.core_task_update(core_task=task, author=hr, values={"citizen_consultation": True})
    services.core_task_move(core_task=task, author=hr, to_status=Status.IN_DIALOGUE)
    services.core_task_update(core_task=task, author=hr, values={"citizen_consultation": True})
    task.refresh_from_db()
    assert task.citizen_consultation is True
    services.core_task_move(
        core_task=task,
        author=hr,
        to_status=Status.ADOPTED,
        adopted_on=TODAY,
        council_decision="BR 3",
    )
    task.refresh_from_db()
    assert task.citizen_consultation is False
    assert task.adopted_on == TODAY
    assert task.council_decision == "BR 3"


def test_the_hub_shows_status_buttons_only_to_those_who_may_move(
    client_for, hr: User, politician: User, task: CoreTask
) -> None:
    _set_status(task, Status.IN_DIALOGUE)
    action = f'action="/kerneopgaver/{task.pk}/status/"'
    assert action in client_for(hr).get(f"/kerneopgaver/{task.pk}/").content.decode()
    assert action not in client_for(politician).get(f"/kerneopgaver/{task.pk}/").content.decode()


# --- Contributions --------------------------------------------------------------------------


def test_a_leader_adds_a_unit_from_their_subtree_and_edits_its_contribution(
    client_for, org: SimpleNamespace, leader: User, task: CoreTask
) -> None:
    _set_status(task, Status.ADOPTED)
    client = client_for(leader)
    response = client.post(
        f"/kerneopgaver/{task.pk}/bidrag/", {"unit": org.solsikken.pk, "how": "Leg og læring."}
    )
    assert response.status_code == 302
    response = client.post(
        f"/kerneopgaver/{task.pk}/bidrag/{org.solsikken.pk}/", {"how": "Leg, læring og ro."}
    )
    assert response.status_code == 302
    contribution = Contribution.objects.get(core_task=task, unit=org.solsikken)
    assert contribution.how == "Leg, læring og ro."
    assert contribution.updated_by == leader
    assert task.changes.filter(kind=CoreTaskChange.Kind.CONTRIBUTION).count() == 2


def test_a_leader_cannot_add_or_edit_another_areas_contribution(
    client_for, org: SimpleNamespace, leader: User, hr: User, task: CoreTask
) -> None:
    _set_status(task, Status.ADOPTED)
    services.contribution_save(core_task=task, unit=org.group, author=hr, how="Hjemmebesøg.")
    client = client_for(leader)
    response = client.post(f"/kerneopgaver/{task.pk}/bidrag/", {"unit": org.east.pk, "how": "x"})
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert client.get(f"/kerneopgaver/{task.pk}/bidrag/{org.group.pk}/").status_code == 403
    response = client.post(f"/kerneopgaver/{task.pk}/bidrag/{org.group.pk}/", {"how": "Ændret"})
    assert response.status_code == 403
    assert Contribution.objects.get(unit=org.group).how == "Hjemmebesøg."


def test_an_employee_cannot_add_a_contribution(client_for, employee: User, task: CoreTask) -> None:
    _set_status(task, Status.ADOPTED)
    assert client_for(employee).get(f"/kerneopgaver/{task.pk}/bidrag/").status_code == 403


def test_hr_removes_a_contribution_and_the_history_says_so(
    client_for, org: SimpleNamespace, hr: User, task: CoreTask
) -> None:
    services.contribution_save(core_task=task, unit=org.nord, author=hr, how="Pædagogik.")
    response = client_for(hr).post(
        f"/kerneopgaver/{task.pk}/bidrag/{org.nord.pk}/", {"remove": "1"}
    )
    assert response.status_code == 302
    assert not Contribution.objects.exists()
    last = task.changes.first()
    assert last.kind == CoreTaskChange.Kind.CONTRIBUTION
    assert last.changes["how"] == {"from": "Pædagogik.", "to": None}


def test_the_unit_page_lists_the_core_tasks_the_unit_contributes_to(
    client_for, org: SimpleNamespace, leader: User, hr: User, task: CoreTask
) -> None:
    _set_status(task, Status.ADOPTED)
    draft = make_task("Hemmelig kladde")
    services.contribution_save(core_task=task, unit=org.solsikken, author=hr, how="Leg.")
    services.contribution_save(core_task=draft, unit=org.solsikken, author=hr, how="Kladde.")
    page = client_for(leader).get(f"/organisation/enheder/{org.solsikken.pk}/").content.decode()
    assert "Trygge børn" in page
    assert "Hemmelig kladde" not in page  # a draft the leader may not see
    other = client_for(leader).get(f"/organisation/enheder/{org.maelkeboetten.pk}/")
    assert "Trygge børn" not in other.content.decode()
