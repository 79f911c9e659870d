"""In the browser: a leader makes a calendar link and an API key and uses both; the API's
documentation and HR's OS2mo page are readable. Every page is checked with axe-core."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from organisation.models import ApiToken, CalendarFeed, User
from socialkapital.models import Action, SurveyRound

pytestmark = pytest.mark.browser


def test_a_leader_subscribes_to_her_dates_and_makes_an_api_key(
    open_browser, org: SimpleNamespace, leader: User, results_round: SurveyRound
) -> None:
    Action.objects.create(
        round=results_round,
        unit=org.nord,
        title="Fælles morgenmøde om opgavefordeling",
        owner=leader,
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    browsing = open_browser()
    page = browsing.page
    browsing.sign_in_with_cookie(leader)

    browsing.go("/organisation/kalender/")
    browsing.check_accessibility()
    page.locator("main button[name=action][value=create]").click()
    page.wait_for_load_state()
    browsing.check_accessibility()
    link = page.locator("#calendar-link").input_value()
    assert link.endswith(".ics")
    feed = page.request.get(link.replace(link.split("/kalender/")[0], browsing.base_url))
    assert feed.ok
    assert "Fælles morgenmøde om opgavefordeling" in feed.text()
    assert CalendarFeed.objects.filter(user=leader).exists()

    browsing.go("/organisation/api-noegler/")
    browsing.check_accessibility()
    page.locator("main input[name=name]").fill("Power BI")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    browsing.check_accessibility()
    secret = page.locator("#new-key-secret").input_value()
    answer = page.request.get(
        browsing.base_url + "/api/v1/results/rounds/",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.ok
    assert [item["id"] for item in answer.json()["results"]] == [results_round.pk]
    assert ApiToken.objects.get(user=leader).name == "Power BI"


def test_the_api_documentation_and_the_os2mo_page_are_readable(
    open_browser, org: SimpleNamespace, hr: User
) -> None:
    visitor = open_browser()
    visitor.go("/api/docs/")
    visitor.check_accessibility()
    assert "/api/v1/core-tasks/" in visitor.page.locator("main").inner_text()

    browsing = open_browser()
    browsing.sign_in_with_cookie(hr)
    browsing.go("/organisation/os2mo/")
    browsing.check_accessibility()
    assert "OS2MO_URL" in browsing.page.locator("main").inner_text()
