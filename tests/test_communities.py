"""Leadership communities: visible to their members and HR only; members share notes and links
and choose the core tasks in the community's focus."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kerneopgaver import services
from kerneopgaver.models import CommunityNote, CoreTask
from organisation.models import LeadershipCommunity
from tests.test_dialogue import make_core_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def community(org, leader, other_leader) -> LeadershipCommunity:
    community = LeadershipCommunity.objects.create(name="Tidlig indsats")
    community.members.add(leader, other_leader)
    community.units.add(org.nord, org.east)
    CommunityNote.objects.create(community=community, author=leader, text="Møde på torsdag")
    return community


@pytest.fixture
def other_community(org, hr) -> LeadershipCommunity:
    return LeadershipCommunity.objects.create(name="Ældre og sundhed")


def test_a_member_sees_the_community_and_its_notes(client_for, other_leader, community) -> None:
    response = client_for(other_leader).get(reverse("kerneopgaver:community", args=[community.pk]))
    assert response.status_code == 200
    assert "Møde på torsdag" in response.content.decode()


@pytest.mark.parametrize("persona", ["employee", "politician", "med_member"])
def test_a_non_member_gets_not_found(request, client_for, community, persona: str) -> None:
    user = request.getfixturevalue(persona)
    response = client_for(user).get(reverse("kerneopgaver:community", args=[community.pk]))
    assert response.status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, community) -> None:
    response = client.get(reverse("kerneopgaver:community", args=[community.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_hr_sees_every_community_and_its_notes(client_for, hr, community, other_community) -> None:
    client = client_for(hr)
    listing = client.get(reverse("kerneopgaver:communities"))
    assert listing.status_code == 200
    assert set(listing.context["communities"]) == {community, other_community}
    detail = client.get(reverse("kerneopgaver:community", args=[community.pk]))
    assert "Møde på torsdag" in detail.content.decode()


def test_a_member_lists_only_their_own_communities_with_every_member_counted(
    client_for, leader, community, other_community
) -> None:
    response = client_for(leader).get(reverse("kerneopgaver:communities"))
    assert response.status_code == 200
    listed = list(response.context["communities"])
    assert listed == [community]
    assert listed[0].member_count == 2


@pytest.mark.parametrize("persona", ["employee", "politician"])
def test_someone_in_no_community_may_not_open_the_list(
    request, client_for, community, persona: str
) -> None:
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse("kerneopgaver:communities")).status_code == 403


def test_a_member_shares_a_note_with_a_web_link(client_for, leader, community) -> None:
    response = client_for(leader).post(
        reverse("kerneopgaver:community", args=[community.pk]),
        {"text": "Se rapporten", "link": "https://example.org/rapport"},
    )
    assert response.status_code == 302
    note = community.notes.get(text="Se rapporten")
    assert note.link == "https://example.org/rapport"
    assert note.author == leader


def test_hr_may_share_a_note_too(client_for, hr, community) -> None:
    response = client_for(hr).post(
        reverse("kerneopgaver:community", args=[community.pk]), {"text": "Fra HR", "link": ""}
    )
    assert response.status_code == 302
    assert community.notes.filter(text="Fra HR", link="").exists()


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "ftp://example.org/fil", "data:text/html,x"]
)
def test_a_link_must_be_http_or_https(client_for, leader, community, link: str) -> None:
    response = client_for(leader).post(
        reverse("kerneopgaver:community", args=[community.pk]), {"text": "Farligt", "link": link}
    )
    assert response.status_code == 200
    assert "link" in response.context["note_form"].errors
    assert not community.notes.filter(text="Farligt").exists()


def test_the_service_refuses_a_link_that_is_not_a_web_address(leader, community) -> None:
    with pytest.raises(services.UnsafeLink):
        services.community_note_add(
            community=community, author=leader, text="x", link="javascript:alert(1)"
        )


def test_a_non_member_cannot_share_a_note(client_for, employee, community) -> None:
    response = client_for(employee).post(
        reverse("kerneopgaver:community", args=[community.pk]), {"text": "Ind ad bagdøren"}
    )
    assert response.status_code == 404
    assert not community.notes.filter(text="Ind ad bagdøren").exists()


def test_an_htmx_note_re_renders_the_notes_section(client_for, leader, community) -> None:
    response = client_for(leader).post(
        reverse("kerneopgaver:community", args=[community.pk]),
        {"text": "Via htmx", "link": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<section id="notes"')
    assert "Via htmx" in response.content.decode()


def test_a_member_links_and_unlinks_a_core_task_in_the_focus(client_for, leader, community) -> None:
    core_task = make_core_task(status=CoreTask.Status.ADOPTED, title="Tidlig opsporing")
    client = client_for(leader)
    url = reverse("kerneopgaver:community_core_tasks", args=[community.pk])
    assert client.post(url, {"action": "link", "core_task": core_task.pk}).status_code == 302
    assert list(community.core_tasks.all()) == [core_task]
    detail = client.get(reverse("kerneopgaver:community", args=[community.pk]))
    assert list(detail.context["core_tasks"]) == [core_task]
    assert client.post(url, {"action": "unlink", "core_task": core_task.pk}).status_code == 302
    assert not community.core_tasks.exists()


def test_a_non_member_cannot_change_the_focus(client_for, employee, community) -> None:
    core_task = make_core_task(status=CoreTask.Status.ADOPTED)
    response = client_for(employee).post(
        reverse("kerneopgaver:community_core_tasks", args=[community.pk]),
        {"action": "link", "core_task": core_task.pk},
    )
    assert response.status_code == 404
    assert not community.core_tasks.exists()


def test_a_member_cannot_link_a_draft_they_cannot_see(client_for, leader, community) -> None:
    draft = make_core_task(status=CoreTask.Status.DRAFT)
    response = client_for(leader).post(
        reverse("kerneopgaver:community_core_tasks", args=[community.pk]),
        {"action": "link", "core_task": draft.pk},
    )
    assert response.status_code == 302
    assert not community.core_tasks.exists()
