"""Citizens' consultation on /hoering/: inputs without signing in, validation, honeypot, rate
limit per address, and nothing shown before HR's moderation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.urls import reverse

from kerneopgaver import services
from kerneopgaver.models import TEXT_LIMIT, CoreTask, DialogueInput
from tests.test_dialogue import make_core_task, panel_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache(settings) -> Iterator[None]:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def open_task(org) -> CoreTask:
    return make_core_task(
        title="Et aktivt liv", citizen_consultation=True, citizen_contribution="Gå en tur."
    )


def send(client, core_task: CoreTask, **data: str):
    fields = {"author_name": "", "kind": "comment", "text": "Flere bænke i parken."}
    fields.update(data)
    return client.post(reverse("hoering:detail", args=[core_task.pk]), fields)


def test_the_list_shows_core_tasks_open_for_consultation_only(client, open_task) -> None:
    make_core_task(title="Uden høring")
    make_core_task(status=CoreTask.Status.ADOPTED, title="Vedtaget", citizen_consultation=True)
    response = client.get(reverse("hoering:list"))
    assert response.status_code == 200
    assert list(response.context["core_tasks"]) == [open_task]
    assert "Gå en tur." in response.content.decode()


@pytest.mark.parametrize("route", ["hoering:detail", "hoering:thanks"])
def test_a_core_task_not_open_for_consultation_is_not_found(client, org, route: str) -> None:
    closed = make_core_task(citizen_consultation=False)
    assert client.get(reverse(route, args=[closed.pk])).status_code == 404


def test_a_citizen_sends_an_input_without_signing_in_and_it_awaits_moderation(
    client, open_task
) -> None:
    response = send(client, open_task, author_name="Karen", kind="suggestion")
    assert response.status_code == 302
    assert response["Location"] == reverse("hoering:thanks", args=[open_task.pk])
    stored = DialogueInput.objects.get()
    assert stored.channel == DialogueInput.Channel.CITIZEN
    assert stored.moderation == DialogueInput.Moderation.PENDING
    assert stored.author is None
    assert stored.author_name == "Karen"
    assert stored.kind == "suggestion"
    assert client.get(response["Location"]).status_code == 200


def test_the_name_is_optional(client, open_task) -> None:
    assert send(client, open_task).status_code == 302
    assert DialogueInput.objects.get().author_name == ""


@pytest.mark.parametrize("text", ["", "   ", "x" * (TEXT_LIMIT + 1)])
def test_an_empty_or_too_long_text_is_refused_next_to_the_field(client, open_task, text) -> None:
    response = send(client, open_task, text=text)
    assert response.status_code == 200
    assert "text" in response.context["form"].errors
    assert b'class="form-error-message"' in response.content
    assert DialogueInput.objects.count() == 0


def test_the_text_limit_is_shown_and_set_on_the_field(client, open_task) -> None:
    html = client.get(reverse("hoering:detail", args=[open_task.pk])).content.decode()
    assert f'maxlength="{TEXT_LIMIT}"' in html
    assert str(TEXT_LIMIT) in html


def test_the_honeypot_is_hidden_from_sight_and_labelled_for_screen_readers(
    client, open_task
) -> None:
    client.cookies["django_language"] = "en"
    html = client.get(reverse("hoering:detail", args=[open_task.pk])).content.decode()
    assert 'name="homepage"' in html
    assert 'tabindex="-1"' in html
    assert 'autocomplete="off"' in html
    assert "Leave this field empty" in html


def test_a_filled_honeypot_gets_the_thank_you_page_but_stores_nothing(client, open_task) -> None:
    response = send(client, open_task, homepage="http://spam.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("hoering:thanks", args=[open_task.pk])
    assert DialogueInput.objects.count() == 0


def test_the_sixth_input_within_the_hour_from_one_address_is_refused_with_429(
    client, open_task
) -> None:
    for number in range(services.CITIZEN_INPUTS_PER_WINDOW):
        assert send(client, open_task, text=f"Input {number}").status_code == 302
    response = send(client, open_task, text="Et input for meget")
    assert response.status_code == 429
    assert response.context["rate_limited"] is True
    assert DialogueInput.objects.count() == services.CITIZEN_INPUTS_PER_WINDOW
    assert not DialogueInput.objects.filter(text="Et input for meget").exists()
    # The citizen's text is kept in the form, so nothing they wrote is lost.
    assert "Et input for meget" in response.content.decode()


def test_another_address_is_not_held_back_by_a_busy_one(client, open_task) -> None:
    for _ in range(services.CITIZEN_INPUTS_PER_WINDOW + 1):
        send(client, open_task)
    response = client.post(
        reverse("hoering:detail", args=[open_task.pk]),
        {"kind": "comment", "text": "Fra et andet sted"},
        REMOTE_ADDR="192.0.2.3",
    )
    assert response.status_code == 302


def test_honeypot_submissions_count_against_the_limit(client, open_task) -> None:
    for _ in range(services.CITIZEN_INPUTS_PER_WINDOW):
        send(client, open_task, homepage="spam")
    assert send(client, open_task).status_code == 429
    assert DialogueInput.objects.count() == 0


def test_the_rate_limit_stores_no_plain_address(client, open_task) -> None:
    send(client, open_task)
    keys = [str(key) for key in cache._cache]  # locmem keeps its keys here
    assert keys
    assert not any("127.0.0.1" in key for key in keys)


def test_a_citizens_input_is_not_shown_before_moderation(client, hr, open_task) -> None:
    send(client, open_task, text="Hemmelig indtil godkendt")
    page = client.get(reverse("hoering:detail", args=[open_task.pk])).content.decode()
    assert "Hemmelig indtil godkendt" not in page
    assert "Hemmelig indtil godkendt" not in panel_for(hr, open_task)


def test_a_citizens_input_is_shown_with_its_outcome_after_approval(
    client, client_for, hr, open_task
) -> None:
    send(client, open_task, text="Godkend mig", author_name="Ole")
    pending = DialogueInput.objects.get()
    services.citizen_input_moderate(dialogue_input=pending, moderator=hr, approve=True)
    services.dialogue_input_set_outcome(
        dialogue_input=pending, author=hr, outcome="taken_in", reason="Det giver mening"
    )
    page = client.get(reverse("hoering:detail", args=[open_task.pk])).content.decode()
    assert "Godkend mig" in page
    assert "Ole" in page
    assert "Det giver mening" in page
    assert "Godkend mig" in panel_for(hr, open_task)


def test_a_rejected_input_is_never_shown(client, hr, employee, open_task) -> None:
    send(client, open_task, text="Upassende")
    services.citizen_input_moderate(
        dialogue_input=DialogueInput.objects.get(), moderator=hr, approve=False
    )
    page = client.get(reverse("hoering:detail", args=[open_task.pk])).content.decode()
    assert "Upassende" not in page
    assert "Upassende" not in panel_for(employee, open_task)
    assert "Upassende" not in panel_for(hr, open_task)


def test_employees_inputs_are_shown_to_signed_in_users_but_not_to_the_public(
    client, client_for, employee, open_task
) -> None:
    services.dialogue_input_add(
        core_task=open_task, author=employee, kind="comment", text="Internt input"
    )
    assert (
        "Internt input"
        not in client.get(reverse("hoering:detail", args=[open_task.pk])).content.decode()
    )
    signed_in = client_for(employee).get(reverse("hoering:detail", args=[open_task.pk]))
    assert "Internt input" in signed_in.content.decode()
