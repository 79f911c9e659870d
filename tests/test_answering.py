"""Answering a survey without signing in: entry by link and code, the steps, the atomic submit,
and every friendly refusal (issue 4, items 5 and 6)."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from organisation.models import OrgUnit
from socialkapital import services
from socialkapital.answer_views import STATE_COOKIE
from socialkapital.models import (
    AccessCode,
    Answer,
    Dimension,
    Invitation,
    InvitationLink,
    Item,
    Questionnaire,
    QuestionnaireItem,
    Response,
    SurveyRound,
)
from tests.factories import UserFactory

ANSWER_URL = "/socialkapital/besvar/"
CODE_URL = "/socialkapital/kode/"


# --- Building a round -------------------------------------------------------------------------


def make_round(
    scope: OrgUnit,
    *,
    status: str = SurveyRound.Status.OPEN,
    opens_in: timedelta = timedelta(days=-1),
    closes_in: timedelta = timedelta(days=14),
    dimensions: tuple[str, ...] = (Dimension.JUSTICE, Dimension.VERTICAL_TRUST),
    items_per_dimension: int = 2,
) -> SurveyRound:
    """An open round whose questionnaire has a few items in each given dimension."""
    questionnaire = Questionnaire.objects.create(name=f"Test {secrets.token_hex(4)}")
    position = 1
    for dimension in dimensions:
        for n in range(items_per_dimension):
            item = Item.objects.create(
                code=f"{dimension[:6]}-{secrets.token_hex(3)}",
                dimension=dimension,
                text_da=f"Udsagn {dimension} {n}",
                text_en=f"Statement {dimension} {n}",
            )
            QuestionnaireItem.objects.create(
                questionnaire=questionnaire, item=item, position=position
            )
            position += 1
    now = timezone.now()
    return SurveyRound.objects.create(
        name="Trivsel forår",
        questionnaire=questionnaire,
        scope=scope,
        opens_at=now + opens_in,
        closes_at=now + closes_in,
        min_group_size=5,
        min_group_size_agreed_by="Hoved-MED",
        status=status,
    )


def invite(survey_round: SurveyRound, unit: OrgUnit) -> tuple[Invitation, str]:
    """An invitation with one link; returns the invitation and the link's token."""
    person = UserFactory()
    invitation = Invitation.objects.create(
        round=survey_round, user=person, unit=unit, email=person.email
    )
    token = secrets.token_urlsafe(24)
    InvitationLink.objects.create(invitation=invitation, token_hash=services.hash_token(token))
    return invitation, token


def access_code(survey_round: SurveyRound, unit: OrgUnit) -> tuple[AccessCode, str]:
    code = "ABCD-" + secrets.token_hex(3).upper()
    row = AccessCode.objects.create(
        round=survey_round, unit=unit, code_hash=services.hash_access_code(code)
    )
    return row, code


def full_answers(survey_round: SurveyRound, value: int = 4) -> dict[str, int]:
    return {str(item.pk): value for item in services.round_items(survey_round)}


def state_for(entry: services.Entry, answers: dict[str, Any]) -> dict[str, Any]:
    state = entry.initial_state()
    state["answers"] = answers
    return state


def token_state(survey_round: SurveyRound, token: str, **answers: Any) -> dict[str, Any]:
    entry = services.start_with_token(token=token, client_address="127.0.0.1")
    return state_for(entry, answers or full_answers(survey_round))


def nothing_stored() -> bool:
    return not Response.objects.exists() and not Answer.objects.exists()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # The rate limit lives in the cache; each test starts with a clean window.
    cache.clear()


@pytest.fixture
def survey(org: SimpleNamespace) -> SimpleNamespace:
    survey_round = make_round(org.nord)
    invitation, token = invite(survey_round, org.solsikken)
    code_row, code = access_code(survey_round, org.maelkeboetten)
    return SimpleNamespace(
        round=survey_round, invitation=invitation, token=token, code_row=code_row, code=code
    )


def main_of(response: Any) -> str:
    """The page's main content (the shell carries a per-response CSRF token)."""
    text = response.content.decode()
    return text[text.index("<main") : text.index("</main>")]


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def walk_through(client: Client, first_page: Any, value: str = "4") -> Any:
    """Answer every step with the same value and land on the review page."""
    page = client.post(ANSWER_URL, {"state": first_page.context["state"], "nav": "start"})
    while "form" in page.context and page.context.get("step"):
        data = {"state": page.context["state"], "nav": "next"}
        for name in page.context["form"].fields:
            data[name] = value
        page = client.post(ANSWER_URL, data)
    return page


# --- Hashing -----------------------------------------------------------------------------------


def test_hash_token_is_the_sha256_hex_of_the_token() -> None:
    assert services.hash_token("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_access_codes_ignore_case_spaces_and_dashes() -> None:
    assert services.hash_access_code("abcd-ef 12") == services.hash_access_code("ABCDEF12")
    assert services.hash_access_code("ABCDEF12") != services.hash_access_code("ABCDEF13")
    assert len(services.hash_access_code("ABCDEF12")) == 64


# --- Entry by link -----------------------------------------------------------------------------


def test_a_valid_link_leads_to_the_first_page_which_explains_anonymity(
    client: Client, survey: SimpleNamespace
) -> None:
    english(client)
    response = client.get(f"/socialkapital/svar/{survey.token}/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == ANSWER_URL
    text = response.content.decode()
    assert "No one can see what you answered" in text
    assert "at least 5 people" in text
    # The token is gone from the page: the address, links and the language switch.
    assert survey.token not in text
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_first_page_is_danish_by_default(client: Client, survey: SimpleNamespace) -> None:
    response = client.get(f"/socialkapital/svar/{survey.token}/", follow=True)
    assert response.status_code == 200
    assert 'lang="da"' in response.content.decode()


def test_unknown_tampered_and_code_failures_get_the_same_page(
    client: Client, survey: SimpleNamespace
) -> None:
    english(client)
    unknown = client.get(f"/socialkapital/svar/{secrets.token_urlsafe(24)}/")
    flipped = survey.token[:-1] + ("A" if survey.token[-1] != "A" else "B")
    tampered = client.get(f"/socialkapital/svar/{flipped}/")
    bad_code = client.post(CODE_URL, {"kode": "ZZZZ-9999"})
    assert unknown.status_code == tampered.status_code == bad_code.status_code == 404
    assert main_of(unknown) == main_of(tampered) == main_of(bad_code)
    # The whole page, shell included, does not name the token (language switch, sign-in link).
    assert flipped not in tampered.content.decode()
    assert "The link or code does not work" in unknown.content.decode()


def test_a_used_invitation_gets_the_already_answered_page(
    client: Client, survey: SimpleNamespace
) -> None:
    english(client)
    survey.invitation.answered_on = timezone.localdate()
    survey.invitation.save(update_fields=["answered_on"])
    response = client.get(f"/socialkapital/svar/{survey.token}/")
    assert response.status_code == 409
    assert "You have already answered" in response.content.decode()


def test_a_round_not_yet_open_says_when_it_opens(client: Client, org: SimpleNamespace) -> None:
    english(client)
    survey_round = make_round(org.nord, opens_in=timedelta(days=3), closes_in=timedelta(days=9))
    _invitation, token = invite(survey_round, org.solsikken)
    response = client.get(f"/socialkapital/svar/{token}/")
    assert response.status_code == 403
    text = response.content.decode()
    assert "The survey opens on" in text
    assert timezone.localtime(survey_round.opens_at).strftime("%Y") in text


def test_a_draft_round_is_not_open_yet(client: Client, org: SimpleNamespace) -> None:
    survey_round = make_round(org.nord, status=SurveyRound.Status.DRAFT)
    _invitation, token = invite(survey_round, org.solsikken)
    assert client.get(f"/socialkapital/svar/{token}/").status_code == 403


@pytest.mark.parametrize(
    ("status", "closes_in"),
    [
        (SurveyRound.Status.CLOSED, timedelta(days=3)),
        (SurveyRound.Status.OPEN, timedelta(minutes=-1)),
    ],
    ids=["closed", "past-its-closing-time"],
)
def test_a_closed_round_gets_the_closed_page(
    client: Client, org: SimpleNamespace, status: str, closes_in: timedelta
) -> None:
    english(client)
    survey_round = make_round(
        org.nord, status=status, opens_in=timedelta(days=-5), closes_in=closes_in
    )
    _invitation, token = invite(survey_round, org.solsikken)
    response = client.get(f"/socialkapital/svar/{token}/")
    assert response.status_code == 410
    assert "The survey has closed" in response.content.decode()


# --- Entry by code -----------------------------------------------------------------------------


def test_the_code_page_has_a_labelled_field_prefilled_from_the_qr_code(client: Client) -> None:
    english(client)
    response = client.get(CODE_URL, {"kode": "ABCD-1234"})
    assert response.status_code == 200
    text = response.content.decode()
    assert '<label class="form-label" for="id_kode">Access code' in text
    assert 'value="ABCD-1234"' in text


def test_a_valid_code_typed_in_small_letters_starts_the_survey(
    client: Client, survey: SimpleNamespace
) -> None:
    response = client.post(CODE_URL, {"kode": survey.code.lower().replace("-", " ")})
    assert response.status_code == 302
    assert response["Location"] == ANSWER_URL


def test_an_empty_code_shows_an_error_next_to_the_field(client: Client) -> None:
    english(client)
    response = client.post(CODE_URL, {"kode": ""})
    assert response.status_code == 400
    assert "Type the code from your slip of paper." in response.content.decode()


def test_a_used_code_gets_the_already_answered_page(
    client: Client, survey: SimpleNamespace
) -> None:
    AccessCode.objects.filter(pk=survey.code_row.pk).update(used=True)
    assert client.post(CODE_URL, {"kode": survey.code}).status_code == 409


# --- Rate limit --------------------------------------------------------------------------------


def test_ten_failures_from_one_address_lock_out_links_and_codes(
    client: Client, survey: SimpleNamespace
) -> None:
    english(client)
    for _attempt in range(services.ENTRY_FAILURES_PER_WINDOW):
        assert client.get(f"/socialkapital/svar/{secrets.token_urlsafe(24)}/").status_code == 404
    # Now even a valid link and a valid code are refused, before anything is looked up.
    blocked = client.get(f"/socialkapital/svar/{survey.token}/")
    assert blocked.status_code == 429
    assert "Please wait" in blocked.content.decode()
    assert client.post(CODE_URL, {"kode": survey.code}).status_code == 429


def test_the_rate_limit_counts_per_address(client: Client, survey: SimpleNamespace) -> None:
    for _attempt in range(services.ENTRY_FAILURES_PER_WINDOW):
        client.post(CODE_URL, {"kode": "NOPE-0000"}, REMOTE_ADDR="192.0.2.1")
    assert client.post(CODE_URL, {"kode": survey.code}, REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.post(CODE_URL, {"kode": survey.code}, REMOTE_ADDR="192.0.2.2").status_code == 302


def test_successful_entries_do_not_count_against_the_limit(
    client: Client, survey: SimpleNamespace
) -> None:
    for _attempt in range(services.ENTRY_FAILURES_PER_WINDOW + 2):
        assert client.get(f"/socialkapital/svar/{survey.token}/").status_code == 302


# --- Steps ---------------------------------------------------------------------------------------


def test_one_step_per_dimension_in_dimension_order_with_progress(
    client: Client, survey: SimpleNamespace
) -> None:
    english(client)
    first = client.get(f"/socialkapital/svar/{survey.token}/", follow=True)
    step = client.post(ANSWER_URL, {"state": first.context["state"], "nav": "start"})
    assert step.status_code == 200
    # Vertical trust comes before justice in DIMENSION_ORDER, whatever the questionnaire says.
    assert step.context["step"].dimension == Dimension.VERTICAL_TRUST
    text = step.content.decode()
    assert "Step 1 of 3" in text
    assert '<progress max="3" value="1"' in text
    assert "<legend>Statement vertical_trust 0</legend>" in text
    assert text.count('type="radio"') == 2 * 6  # two items, five scale points and "don't know"


def test_a_missing_answer_keeps_the_step_and_the_given_answers(
    client: Client, survey: SimpleNamespace
) -> None:
    english(client)
    first = client.get(f"/socialkapital/svar/{survey.token}/", follow=True)
    step = client.post(ANSWER_URL, {"state": first.context["state"], "nav": "start"})
    names = list(step.context["form"].fields)
    again = client.post(ANSWER_URL, {"state": step.context["state"], "nav": "next", names[0]: "2"})
    assert again.context["step_number"] == 1
    assert again.context["form"].errors[names[1]] == ["Choose an answer to this statement."]
    text = again.content.decode()
    assert f'id="id_{names[1]}_error"' in text
    assert re.search(rf'name="{names[0]}" value="2"[^>]*checked', text)
    assert nothing_stored()


def test_back_keeps_the_answers_of_the_step_left(client: Client, survey: SimpleNamespace) -> None:
    first = client.get(f"/socialkapital/svar/{survey.token}/", follow=True)
    step1 = client.post(ANSWER_URL, {"state": first.context["state"], "nav": "start"})
    data = {"state": step1.context["state"], "nav": "next"}
    data.update(dict.fromkeys(step1.context["form"].fields, "5"))
    step2 = client.post(ANSWER_URL, data)
    assert step2.context["step_number"] == 2
    name = next(iter(step2.context["form"].fields))
    back = client.post(ANSWER_URL, {"state": step2.context["state"], "nav": "back", name: "1"})
    assert back.context["step_number"] == 1
    forward = client.post(
        ANSWER_URL,
        {
            "state": back.context["state"],
            "nav": "next",
            **dict.fromkeys(back.context["form"].fields, "5"),
        },
    )
    assert forward.context["form"].initial == {name: "1"}


def test_htmx_gets_only_the_step_partial(client: Client, survey: SimpleNamespace) -> None:
    first = client.get(f"/socialkapital/svar/{survey.token}/", follow=True)
    step = client.post(
        ANSWER_URL, {"state": first.context["state"], "nav": "start"}, HTTP_HX_REQUEST="true"
    )
    text = step.content.decode()
    assert text.lstrip().startswith('<div id="answer-step"')
    assert "<html" not in text
    # The step names itself, so the page title follows the swap (static/js/answer.js).
    assert f'data-title="{step.context["step"].title} · {survey.round.name}' in text


def test_the_language_switch_shows_the_same_step_in_english_keeping_its_answers(
    client: Client, survey: SimpleNamespace
) -> None:
    first = client.get(f"/socialkapital/svar/{survey.token}/", follow=True)
    step = client.post(ANSWER_URL, {"state": first.context["state"], "nav": "start"})
    item = step.context["step"].items[0]
    switched = client.post(
        ANSWER_URL,
        {"state": step.context["state"], "language": "en", f"item_{item.pk}": "2"},
    )
    assert switched.status_code == 200
    assert switched.context["step_number"] == 1
    page = switched.content.decode()
    assert "Statement vertical_trust 0" in page
    assert switched.cookies["django_language"].value == "en"
    assert f'name="item_{item.pk}" value="2"' in page.replace(" checked", "")
    assert switched.context["form"].initial[f"item_{item.pk}"] == "2"


def test_no_answer_is_ever_kept_in_a_cookie(client: Client, survey: SimpleNamespace) -> None:
    """On a shared PC the next person must not find someone's answers in the browser."""
    first = client.get(f"/socialkapital/svar/{survey.token}/", follow=True)
    step = client.post(ANSWER_URL, {"state": first.context["state"], "nav": "start"})
    assert step.cookies[STATE_COOKIE].value == ""  # deleted once the statements begin
    assert client.get(ANSWER_URL).status_code == 404


def test_the_review_lists_every_answer_and_submit_stores_one_response(
    client: Client, survey: SimpleNamespace
) -> None:
    english(client)
    first = client.get(f"/socialkapital/svar/{survey.token}/", follow=True)
    review = walk_through(client, first, value="4")
    text = review.content.decode()
    assert "Check your answers" in text
    assert text.count("<dd>Agree</dd>") == 4
    assert "Change your answers about Justice" in text
    done = client.post(ANSWER_URL, {"state": review.context["state"], "submit": "1"})
    assert done.status_code == 302
    assert done["Location"] == reverse("socialkapital:thanks")
    response = Response.objects.get()
    assert (response.round_id, response.unit_id) == (survey.round.pk, survey.invitation.unit_id)
    assert sorted(Answer.objects.values_list("value", flat=True)) == [4, 4, 4, 4]
    survey.invitation.refresh_from_db()
    assert survey.invitation.answered_on == timezone.localdate()


def test_change_on_the_review_goes_back_to_that_step(
    client: Client, survey: SimpleNamespace
) -> None:
    first = client.get(f"/socialkapital/svar/{survey.token}/", follow=True)
    review = walk_through(client, first)
    change = client.post(ANSWER_URL, {"state": review.context["state"], "goto": "2"})
    assert change.context["step_number"] == 2
    assert change.context["step"].dimension == Dimension.JUSTICE


def test_a_code_walks_through_to_a_response_for_its_unit(
    client: Client, survey: SimpleNamespace, org: SimpleNamespace
) -> None:
    first = client.post(CODE_URL, {"kode": survey.code}, follow=True)
    review = walk_through(client, first, value="0")
    client.post(ANSWER_URL, {"state": review.context["state"], "submit": "1"})
    assert Response.objects.get().unit_id == org.maelkeboetten.pk
    survey.code_row.refresh_from_db()
    assert survey.code_row.used


def test_the_thanks_page_says_anonymous_and_shows_no_response_id(
    client: Client, survey: SimpleNamespace
) -> None:
    english(client)
    first = client.get(f"/socialkapital/svar/{survey.token}/", follow=True)
    review = walk_through(client, first)
    thanks = client.post(ANSWER_URL, {"state": review.context["state"], "submit": "1"}, follow=True)
    text = thanks.content.decode()
    assert "Your answers are stored anonymously" in text
    response = Response.objects.get()
    assert str(response.pk) not in text
    assert response.pk.hex not in text
    assert (
        "socialkapital_answer" not in thanks.client.cookies
        or not thanks.client.cookies["socialkapital_answer"].value
    )


# --- Refusals at submit --------------------------------------------------------------------------


def test_reusing_a_link_after_submitting_is_refused_and_stores_nothing(
    client: Client, survey: SimpleNamespace
) -> None:
    english(client)
    first = client.get(f"/socialkapital/svar/{survey.token}/", follow=True)
    review = walk_through(client, first)
    client.post(ANSWER_URL, {"state": review.context["state"], "submit": "1"})
    again = client.post(ANSWER_URL, {"state": review.context["state"], "submit": "1"})
    assert again.status_code == 409
    assert "You have already answered" in again.content.decode()
    assert client.get(f"/socialkapital/svar/{survey.token}/").status_code == 409
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 4


def test_reusing_a_code_after_submitting_is_refused(survey: SimpleNamespace) -> None:
    entry = services.start_with_access_code(code=survey.code, client_address="1.2.3.4")
    state = state_for(entry, full_answers(survey.round))
    services.submit_response(state=state)
    with pytest.raises(services.AlreadyAnswered):
        services.submit_response(state=state)
    with pytest.raises(services.AlreadyAnswered):
        services.start_with_access_code(code=survey.code, client_address="1.2.3.4")
    assert Response.objects.count() == 1


def test_a_second_link_of_the_same_invitation_is_refused_too(
    survey: SimpleNamespace,
) -> None:
    second = secrets.token_urlsafe(24)
    InvitationLink.objects.create(
        invitation=survey.invitation, token_hash=services.hash_token(second)
    )
    services.submit_response(state=token_state(survey.round, survey.token))
    with pytest.raises(services.AlreadyAnswered):
        services.submit_response(state=token_state(survey.round, second))


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda answers, items: answers.update({items[0]: 6}), id="above-the-scale"),
        pytest.param(lambda answers, items: answers.update({items[0]: -1}), id="below-the-scale"),
        pytest.param(lambda answers, items: answers.update({items[0]: "4"}), id="not-a-number"),
        pytest.param(lambda answers, items: answers.update({items[0]: True}), id="a-boolean"),
        pytest.param(lambda answers, items: answers.pop(items[0]), id="missing-item"),
        pytest.param(lambda answers, items: answers.update({"999999": 3}), id="unknown-item"),
        pytest.param(
            lambda answers, items: answers.update({str(n): 3 for n in range(10**6, 10**6 + 300)}),
            id="too-many-answers",
        ),
    ],
)
def test_invalid_answers_store_nothing_and_keep_the_invitation(
    survey: SimpleNamespace, spoil: Any
) -> None:
    state = token_state(survey.round, survey.token)
    spoil(state["answers"], list(state["answers"]))
    with pytest.raises(services.InvalidAnswers):
        services.submit_response(state=state)
    assert nothing_stored()
    survey.invitation.refresh_from_db()
    assert survey.invitation.answered_on is None


def test_an_item_of_another_questionnaire_is_refused(
    survey: SimpleNamespace, org: SimpleNamespace
) -> None:
    other = make_round(org.nord)
    state = token_state(survey.round, survey.token)
    first_key = next(iter(state["answers"]))
    state["answers"].pop(first_key)
    state["answers"][str(services.round_items(other)[0].pk)] = 3
    with pytest.raises(services.InvalidAnswers):
        services.submit_response(state=state)
    assert nothing_stored()


@pytest.mark.parametrize("field", ["round", "unit"])
def test_a_round_or_unit_that_does_not_match_the_invitation_is_refused(
    survey: SimpleNamespace, org: SimpleNamespace, field: str
) -> None:
    state = token_state(survey.round, survey.token)
    if field == "unit":
        state["unit"] = org.group.pk
    else:
        other = make_round(org.nord)
        state["round"] = other.pk
        state["answers"] = full_answers(other)
    with pytest.raises(services.InvalidAnswers):
        services.submit_response(state=state)
    assert nothing_stored()
    survey.invitation.refresh_from_db()
    assert survey.invitation.answered_on is None


def test_a_code_whose_unit_was_altered_is_refused(
    survey: SimpleNamespace, org: SimpleNamespace
) -> None:
    entry = services.start_with_access_code(code=survey.code, client_address="1.2.3.4")
    state = state_for(entry, full_answers(survey.round))
    state["unit"] = org.solsikken.pk
    with pytest.raises(services.InvalidAnswers):
        services.submit_response(state=state)
    assert nothing_stored()
    survey.code_row.refresh_from_db()
    assert not survey.code_row.used


def test_a_tampered_state_gets_the_invalid_page_and_stores_nothing(
    client: Client, survey: SimpleNamespace
) -> None:
    english(client)
    first = client.get(f"/socialkapital/svar/{survey.token}/", follow=True)
    review = walk_through(client, first)
    value = review.context["state"]
    tampered = value[:5] + ("A" if value[5] != "A" else "B") + value[6:]
    response = client.post(ANSWER_URL, {"state": tampered, "submit": "1"})
    assert response.status_code == 404
    assert "The link or code does not work" in response.content.decode()
    assert nothing_stored()


def test_a_state_forged_without_the_key_is_refused(survey: SimpleNamespace) -> None:
    from django.core import signing

    forged = signing.dumps(
        token_state(survey.round, survey.token), key="not-the-secret-key", salt="x", compress=True
    )
    with pytest.raises(services.InvalidEntry):
        services.answer_state_loads(forged, client_address="1.2.3.4")


def test_an_expired_state_is_refused(survey: SimpleNamespace, monkeypatch: Any) -> None:
    value = services.answer_state_dumps(token_state(survey.round, survey.token))
    monkeypatch.setattr(services.answering, "ANSWER_STATE_MAX_AGE_SECONDS", -1)
    with pytest.raises(services.InvalidEntry):
        services.answering.answer_state_loads(value, client_address="1.2.3.4")


def test_a_round_closed_while_answering_refuses_the_submit(
    client: Client, survey: SimpleNamespace
) -> None:
    first = client.get(f"/socialkapital/svar/{survey.token}/", follow=True)
    review = walk_through(client, first)
    SurveyRound.objects.filter(pk=survey.round.pk).update(status=SurveyRound.Status.CLOSED)
    response = client.post(ANSWER_URL, {"state": review.context["state"], "submit": "1"})
    assert response.status_code == 410
    assert nothing_stored()
    survey.invitation.refresh_from_db()
    assert survey.invitation.answered_on is None


def test_a_round_not_yet_open_refuses_the_submit(
    survey: SimpleNamespace,
) -> None:
    state = token_state(survey.round, survey.token)
    SurveyRound.objects.filter(pk=survey.round.pk).update(
        opens_at=timezone.now() + timedelta(days=1)
    )
    with pytest.raises(services.RoundNotOpenYet):
        services.submit_response(state=state)
    assert nothing_stored()


def test_the_answer_page_without_a_state_is_the_invalid_page(client: Client, db: None) -> None:
    assert client.get(ANSWER_URL).status_code == 404


def test_htmx_refusal_sends_the_browser_to_a_full_page(
    client: Client, survey: SimpleNamespace
) -> None:
    first = client.get(f"/socialkapital/svar/{survey.token}/", follow=True)
    Invitation.objects.filter(pk=survey.invitation.pk).update(answered_on=timezone.localdate())
    response = client.post(
        ANSWER_URL, {"state": first.context["state"], "nav": "start"}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Redirect"] == ANSWER_URL
    assert client.get(ANSWER_URL).status_code == 409


def test_answering_pages_reject_other_methods(client: Client, survey: SimpleNamespace) -> None:
    assert client.post(f"/socialkapital/svar/{survey.token}/").status_code == 405
    assert client.post("/socialkapital/tak/").status_code == 405
