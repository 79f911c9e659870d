"""In the browser: an employee answers a survey with an access code from a printed slip, on a
phone-sized screen, with the keyboard only (Tab, Space, arrow keys and Enter; no clicks)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from organisation.models import User
from socialkapital import services
from socialkapital.models import Answer, Dimension, Response, SurveyRound
from socialkapital.services.access_codes import access_codes_generate, format_access_code
from tests.browser.conftest import PHONE, Browsing
from tests.test_answering import make_round

pytestmark = pytest.mark.browser

# The answer given to the statements in order: Space chooses the first answer ("Strongly
# disagree", 1) and each arrow key press the next one.
CHOSEN = [4, 5, 2, 3]


@pytest.fixture
def open_round(org: SimpleNamespace) -> SurveyRound:
    """An open round over Dagtilbud Nord: two steps of two statements each."""
    cache.clear()  # the rate limit on codes per address lives in the cache
    return make_round(org.nord, dimensions=(Dimension.VERTICAL_TRUST, Dimension.JUSTICE))


def progress_reaches(browsing: Browsing, step: int) -> None:
    browsing.page.wait_for_function(
        "n => document.querySelector('#answer-step progress')?.value === n", arg=step
    )


def choose_with_keys(browsing: Browsing, field_name: str, value: int) -> None:
    """Tab into the statement's radio group, then Space and arrow keys to the answer."""
    browsing.tab_to(f"input[name='{field_name}']")
    browsing.page.keyboard.press("Space")
    for _ in range(value - 1):
        browsing.page.keyboard.press("ArrowRight")


def test_an_employee_answers_with_an_access_code_on_a_phone_with_the_keyboard_only(
    open_browser, org: SimpleNamespace, hr: User, open_round: SurveyRound
) -> None:
    [code] = access_codes_generate(
        survey_round=open_round, unit=org.solsikken, count=1, created_by=hr
    )
    items = list(services.round_items(open_round))
    browsing = open_browser(viewport=PHONE)
    keyboard = browsing.page.keyboard

    # The address from the slip is typed in; everything after that is the keyboard.
    browsing.go("/socialkapital/kode/")
    assert browsing.fits_the_width()
    browsing.check_accessibility()
    browsing.tab_to("#id_kode")
    keyboard.type(format_access_code(code))
    keyboard.press("Enter")
    browsing.page.wait_for_url("**/socialkapital/besvar/")
    assert browsing.fits_the_width()
    browsing.check_accessibility()

    browsing.tab_to("button[name=nav][value=start]")
    keyboard.press("Enter")
    answered = 0
    for step in (1, 2):
        progress_reaches(browsing, step)
        assert browsing.fits_the_width()
        browsing.check_accessibility()
        names = browsing.page.locator("fieldset.answer-item input[type=radio]").evaluate_all(
            "inputs => [...new Set(inputs.map(input => input.name))]"
        )
        assert len(names) == 2
        for name in names:
            choose_with_keys(browsing, name, CHOSEN[answered])
            answered += 1
        browsing.tab_to("button[name=nav][value=next]")
        keyboard.press("Enter")

    progress_reaches(browsing, 3)  # the review
    assert browsing.fits_the_width()
    browsing.check_accessibility()
    assert browsing.page.locator("main dd strong").count() == 0  # nothing left unanswered
    browsing.tab_to("button[name=submit]")
    keyboard.press("Enter")
    browsing.page.wait_for_url("**/socialkapital/tak/")
    assert browsing.fits_the_width()
    browsing.check_accessibility()

    response = Response.objects.get(round=open_round)
    assert response.unit == org.solsikken
    stored = dict(Answer.objects.filter(response_id=response.pk).values_list("item_id", "value"))
    assert stored == {item.pk: value for item, value in zip(items, CHOSEN, strict=True)}
