"""The core task's hub page: who may see it, and the panels it is built from."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import timezone

from kerneopgaver import services
from kerneopgaver.models import CoreTask
from kerneopgaver.panels import hub_panels
from organisation.models import User

pytestmark = pytest.mark.django_db

Status = CoreTask.Status


def make_task(title: str, status: str = Status.ADOPTED, **fields) -> CoreTask:
    if status == Status.ADOPTED:
        fields.setdefault("adopted_on", timezone.localdate())
        fields.setdefault("council_decision", "BR 4/2024")
    return CoreTask.objects.create(
        title=title,
        purpose=f"Formål med {title}",
        desired_effect="En effekt",
        status=status,
        **fields,
    )


def test_anyone_reads_an_adopted_core_task_with_its_definition(client, org) -> None:
    task = make_task("Trygge børn", citizen_contribution="Forældre læser højt.")
    response = client.get(f"/kerneopgaver/{task.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Formål med Trygge børn" in page
    assert "Forældre læser højt." in page
    assert "BR 4/2024" in page


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_DIALOGUE, Status.RETIRED])
def test_anonymous_visitors_get_404_for_a_core_task_that_is_not_adopted(
    client, org, status: str
) -> None:
    task = make_task("Ikke offentlig", status=status)
    assert client.get(f"/kerneopgaver/{task.pk}/").status_code == 404


def test_a_draft_is_visible_to_hr_and_its_owner_only(
    client_for, hr: User, leader: User, politician: User
) -> None:
    task = make_task("Kladde", status=Status.DRAFT, administrative_owner=leader)
    assert client_for(hr).get(f"/kerneopgaver/{task.pk}/").status_code == 200
    assert client_for(leader).get(f"/kerneopgaver/{task.pk}/").status_code == 200
    assert client_for(politician).get(f"/kerneopgaver/{task.pk}/").status_code == 404


def test_the_panels_come_in_order_and_other_apps_slot_in_between() -> None:
    names = [panel.name for panel in hub_panels.panels()]
    mine = ["definition", "contributions", "dependencies", "history"]
    assert [name for name in names if name in mine] == mine


def test_dependencies_show_only_the_core_tasks_the_user_may_see(client, client_for, hr) -> None:
    task = make_task("Trygge børn")
    public = make_task("Sund start")
    draft = make_task("Hemmelig kladde", status=Status.DRAFT)
    task.depends_on.set([public, draft])
    dependent = make_task("Læring")
    dependent.depends_on.set([task])
    page = client.get(f"/kerneopgaver/{task.pk}/").content.decode()
    assert "Sund start" in page
    assert "Læring" in page
    assert "Hemmelig kladde" not in page
    assert "Hemmelig kladde" in client_for(hr).get(f"/kerneopgaver/{task.pk}/").content.decode()


def test_the_contributions_panel_offers_edit_links_only_where_allowed(
    client_for, org: SimpleNamespace, hr: User, leader: User, other_leader: User
) -> None:
    task = make_task("Trygge børn")
    services.contribution_save(core_task=task, unit=org.nord, author=hr, how="Pædagogik.")
    link = f'href="/kerneopgaver/{task.pk}/bidrag/{org.nord.pk}/"'
    assert link in client_for(leader).get(f"/kerneopgaver/{task.pk}/").content.decode()
    page = client_for(other_leader).get(f"/kerneopgaver/{task.pk}/").content.decode()
    assert "Pædagogik." in page
    assert link not in page


def test_the_edit_button_is_shown_only_to_those_who_may_edit(
    client_for, hr: User, politician: User
) -> None:
    task = make_task("Trygge børn")
    edit = f'href="/kerneopgaver/{task.pk}/rediger/"'
    assert edit in client_for(hr).get(f"/kerneopgaver/{task.pk}/").content.decode()
    assert edit not in client_for(politician).get(f"/kerneopgaver/{task.pk}/").content.decode()
