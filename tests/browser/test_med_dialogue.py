"""In the browser: a MED member records, from their committee's page, a meeting about the
results and an action agreed at it, and finds both on the committee's page afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from organisation.models import MedCommittee, User
from socialkapital.models import Action, Dimension, ResultsDialogue, SurveyRound

pytestmark = pytest.mark.browser


def test_a_med_member_records_a_meeting_and_an_action_on_the_committee_page(
    open_browser, med_member: User, area_committee: MedCommittee, results_round: SurveyRound
) -> None:
    browsing = open_browser()
    page = browsing.page
    browsing.sign_in_with_cookie(med_member)
    today = timezone.localdate()

    browsing.go(f"/med/{area_committee.pk}/")
    browsing.check_accessibility()
    panel = page.locator("#committee-dialogue")
    panel.locator("a[href*='/dialog/ny/']").click()
    page.wait_for_url(f"**/socialkapital/med/{area_committee.pk}/dialog/ny/**")
    browsing.check_accessibility()

    page.locator("#id_held_on").fill((today - timedelta(days=1)).isoformat())
    page.locator("#id_themes").fill("Retfærdig fordeling af opgaverne i vagtplanen.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/socialkapital/dialoger/*/")
    browsing.check_accessibility()
    dialogue = ResultsDialogue.objects.get(committee=area_committee)
    assert dialogue.round == results_round

    # The action is added in place (htmx), announced in the live region.
    actions = page.locator("#actions")
    actions.locator("#id_title").fill("Fast punkt om opgavefordeling på personalemøder")
    actions.locator("#id_dimension").select_option(Dimension.JUSTICE)
    actions.locator("#id_owner").select_option(str(med_member.pk))
    actions.locator("#id_due_on").fill((today + timedelta(days=30)).isoformat())
    actions.locator("button[type=submit]").click()
    page.locator("#actions [role=status]").wait_for()
    assert "Fast punkt om opgavefordeling på personalemøder" in actions.inner_text()
    browsing.check_accessibility()
    action = Action.objects.get(dialogue=dialogue)
    assert (action.owner, action.dimension) == (med_member, Dimension.JUSTICE)

    page.locator("nav.breadcrumbs").locator(f"a[href*='/med/{area_committee.pk}/']").click()
    page.wait_for_url(f"**/med/{area_committee.pk}/**")
    panel_text = page.locator("#committee-dialogue").inner_text()
    assert "Retfærdig fordeling af opgaverne i vagtplanen." in panel_text
    assert "Fast punkt om opgavefordeling på personalemøder" in panel_text
    browsing.check_accessibility()
