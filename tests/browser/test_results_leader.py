"""In the browser: a leader signs in through the login form, opens the heatmap of their area,
drills down to a workplace and downloads its results as CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from types import SimpleNamespace

import pytest

from organisation.models import User
from socialkapital.models import SurveyRound

pytestmark = pytest.mark.browser


def test_a_leader_signs_in_opens_the_heatmap_drills_down_and_exports_csv(
    open_browser, org: SimpleNamespace, leader: User, results_round: SurveyRound
) -> None:
    browsing = open_browser()
    page = browsing.page

    browsing.go("/socialkapital/")  # not signed in: the login form, which comes back here
    assert "/accounts/login/" in page.url
    browsing.check_accessibility()
    browsing.sign_in_with_form(leader)
    page.wait_for_url("**/socialkapital/")
    browsing.check_accessibility()

    heatmap = page.locator("#heatmap table")
    units = heatmap.locator("tbody th[scope=row]").all_inner_texts()
    assert [name.strip() for name in units] == [
        "Dagtilbud Nord",
        "Børnehuset Solsikken",
        "Vuggestuen Mælkebøtten",
    ]  # the leader's area only, in tree order: Gruppe 1 is another leader's
    assert heatmap.locator(f"tr[data-unit='{org.solsikken.pk}'] .hm-score").first.is_visible()

    heatmap.get_by_role("link", name="Børnehuset Solsikken").click()
    page.wait_for_url(f"**/socialkapital/resultater/{org.solsikken.pk}/**")
    heading = browsing.say(da="Social kapital i", en="Social capital in")
    assert page.locator("main h1").inner_text().strip() == f"{heading} Børnehuset Solsikken"
    browsing.check_accessibility()

    csv_link = browsing.say(da="Download som CSV", en="Download as CSV")
    with page.expect_download() as arrival:
        page.locator("main").get_by_role("link", name=csv_link).click()
    download = arrival.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) > 1
    assert any("Børnehuset Solsikken" in row for row in rows[1:])
    assert not any("Gruppe 1" in row for row in rows)
