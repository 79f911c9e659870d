"""The vision and core narrative: versions, drafts, adoption, and who sees what."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from kerneopgaver import services
from kerneopgaver.models import Vision
from organisation.models import User

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def adopted_vision(title: str, *, version: int, days_ago: int = 0) -> Vision:
    return Vision.objects.create(
        version=version,
        title=title,
        narrative=f"Fortællingen om {title}.",
        adopted_on=TODAY - datetime.timedelta(days=days_ago),
        council_decision=f"BR {version}/2024",
    )


def test_hr_writes_a_draft_that_gets_the_next_version_number(client_for, hr: User) -> None:
    adopted_vision("Første", version=1)
    response = client_for(hr).post(
        "/kerneopgaver/vision/ny/", {"title": "Anden", "narrative": "Sammen om borgerne."}
    )
    draft = Vision.objects.get(title="Anden")
    assert response.status_code == 302
    assert draft.version == 2
    assert draft.created_by == hr
    assert not draft.is_adopted


@pytest.mark.parametrize("persona", ["politician", "leader", "employee"])
def test_only_hr_writes_the_vision(request, client_for, persona: str) -> None:
    user = request.getfixturevalue(persona)
    response = client_for(user).post("/kerneopgaver/vision/ny/", {"title": "X", "narrative": "Y"})
    assert response.status_code == 403
    assert not Vision.objects.exists()


def test_a_new_version_can_start_from_the_current_text(client_for, hr: User) -> None:
    current = adopted_vision("Første", version=1)
    response = client_for(hr).get(f"/kerneopgaver/vision/ny/?from={current.pk}")
    assert response.context["form"].initial["narrative"] == current.narrative


def test_hr_edits_a_draft_but_never_an_adopted_version(client_for, hr: User) -> None:
    draft = services.vision_create(author=hr, title="Kladde", narrative="Tekst")
    client = client_for(hr)
    client.post(f"/kerneopgaver/vision/{draft.pk}/rediger/", {"title": "Ny", "narrative": "Tekst"})
    draft.refresh_from_db()
    assert draft.title == "Ny"
    adopted = adopted_vision("Vedtaget", version=5)
    response = client.post(
        f"/kerneopgaver/vision/{adopted.pk}/rediger/", {"title": "Ændret", "narrative": "x"}
    )
    assert response.status_code == 302
    adopted.refresh_from_db()
    assert adopted.title == "Vedtaget"


def test_adopting_a_draft_puts_it_on_the_front_page(client, client_for, hr: User) -> None:
    adopted_vision("Gammel vision", version=1, days_ago=400)
    draft = services.vision_create(author=hr, title="Ny vision", narrative="Vi gør det sammen.")
    response = client_for(hr).post(
        f"/kerneopgaver/vision/{draft.pk}/vedtag/",
        {"adopted_on": TODAY.isoformat(), "council_decision": "BR 7/2025"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.adopted_on == TODAY
    assert draft.council_decision == "BR 7/2025"
    client.logout()
    page = client.get("/").content.decode()
    assert "Ny vision" in page
    assert "BR 7/2025" in page
    assert "Gammel vision" not in page


def test_adoption_needs_a_decision_and_a_date_not_in_the_future(client_for, hr: User) -> None:
    draft = services.vision_create(author=hr, title="Kladde", narrative="Tekst")
    tomorrow = TODAY + datetime.timedelta(days=1)
    client = client_for(hr)
    response = client.post(
        f"/kerneopgaver/vision/{draft.pk}/vedtag/",
        {"adopted_on": tomorrow.isoformat(), "council_decision": "BR 1"},
    )
    assert "adopted_on" in response.context["form"].errors
    response = client.post(
        f"/kerneopgaver/vision/{draft.pk}/vedtag/", {"adopted_on": TODAY.isoformat()}
    )
    assert "council_decision" in response.context["form"].errors
    draft.refresh_from_db()
    assert not draft.is_adopted


def test_a_politician_cannot_adopt_a_vision(client_for, hr: User, politician: User) -> None:
    draft = services.vision_create(author=hr, title="Kladde", narrative="Tekst")
    response = client_for(politician).post(
        f"/kerneopgaver/vision/{draft.pk}/vedtag/",
        {"adopted_on": TODAY.isoformat(), "council_decision": "BR 1"},
    )
    assert response.status_code == 403
    draft.refresh_from_db()
    assert not draft.is_adopted


def test_earlier_versions_stay_readable_and_drafts_are_private(
    client, client_for, org, hr: User
) -> None:
    old = adopted_vision("Gammel vision", version=1, days_ago=400)
    adopted_vision("Ny vision", version=2)
    draft = services.vision_create(author=hr, title="Hemmelig kladde", narrative="Tekst")
    listing = client.get("/kerneopgaver/vision/").content.decode()
    assert "Gammel vision" in listing
    assert "Ny vision" in listing
    assert "Hemmelig kladde" not in listing
    assert client.get(f"/kerneopgaver/vision/{old.pk}/").status_code == 200
    assert client.get(f"/kerneopgaver/vision/{draft.pk}/").status_code == 404
    hr_client = client_for(hr)
    assert "Hemmelig kladde" in hr_client.get("/kerneopgaver/vision/").content.decode()
    assert hr_client.get(f"/kerneopgaver/vision/{draft.pk}/").status_code == 200


def test_the_front_page_says_so_when_no_vision_is_adopted(client, org) -> None:
    Vision.objects.create(version=1, title="Kun en kladde", narrative="x")
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["public"].vision is None
    assert "Kun en kladde" not in response.content.decode()
