"""In the browser: a politician reads a core task's hub page, and a citizen who is not signed in
adds an input to a consultation on /hoering/."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from kerneopgaver.models import Contribution, CoreTask, DialogueInput
from organisation.models import User

pytestmark = pytest.mark.browser


@pytest.fixture
def adopted_task(org: SimpleNamespace) -> CoreTask:
    core_task = CoreTask.objects.create(
        title="Trygge børn i dagtilbud",
        purpose="Børn vokser op trygt og lærer sammen med andre.",
        desired_effect="Flere børn trives og er klar til skolen.",
        citizen_contribution="Forældre læser med deres børn.",
        status=CoreTask.Status.ADOPTED,
        adopted_on=datetime.date(2024, 6, 1),
        council_decision="Byrådet 12. juni 2024, pkt. 7",
    )
    Contribution.objects.create(
        core_task=core_task, unit=org.nord, how="Vi arbejder med sprog i små grupper."
    )
    return core_task


@pytest.fixture
def consultation(org: SimpleNamespace) -> CoreTask:
    """A core task in dialogue, open for citizens' inputs."""
    cache.clear()  # the consultation's rate limit per address lives in the cache
    return CoreTask.objects.create(
        title="Et aktivt liv for ældre",
        purpose="Ældre lever et aktivt liv med andre.",
        desired_effect="Færre ældre er ensomme.",
        citizen_contribution="Naboer og foreninger inviterer med.",
        status=CoreTask.Status.IN_DIALOGUE,
        citizen_consultation=True,
    )


def test_a_politician_reads_a_core_tasks_hub_page(
    open_browser, politician: User, adopted_task: CoreTask
) -> None:
    browsing = open_browser()
    browsing.sign_in_with_cookie(politician)

    browsing.go("/kerneopgaver/")
    browsing.check_accessibility()
    browsing.page.locator("main").get_by_role("link", name=adopted_task.title).first.click()
    browsing.page.wait_for_url(f"**/kerneopgaver/{adopted_task.pk}/")

    main = browsing.page.locator("main")
    assert main.locator("h1").inner_text().strip() == adopted_task.title
    assert adopted_task.purpose in main.inner_text()
    assert adopted_task.desired_effect in main.inner_text()
    assert "Vi arbejder med sprog i små grupper." in main.inner_text()
    browsing.check_accessibility()


def test_a_citizen_adds_an_input_to_a_consultation_without_signing_in(
    open_browser, consultation: CoreTask
) -> None:
    browsing = open_browser()

    browsing.go("/hoering/")
    browsing.check_accessibility()
    give_input = browsing.say(da="Giv dit input", en="Give your input")
    browsing.page.get_by_role("link", name=give_input).first.click()
    browsing.page.wait_for_url(f"**/hoering/{consultation.pk}/**")
    browsing.check_accessibility()

    form = browsing.page.locator("#input-form form")
    form.locator("#id_author_name").fill("Karen Borger")
    form.locator("#id_kind").select_option("suggestion")
    form.locator("#id_text").fill("Flere bænke langs stien ved søen.")
    form.locator("button[type=submit]").click()
    browsing.page.wait_for_url(f"**/hoering/{consultation.pk}/tak/")

    assert browsing.page.get_by_role("status").is_visible()
    browsing.check_accessibility()
    stored = DialogueInput.objects.get(core_task=consultation)
    assert stored.channel == DialogueInput.Channel.CITIZEN
    assert stored.moderation == DialogueInput.Moderation.PENDING
    assert stored.author is None
    assert (stored.author_name, stored.kind) == ("Karen Borger", "suggestion")
    assert stored.text == "Flere bænke langs stien ved søen."
