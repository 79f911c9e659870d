"""The schema proves anonymity (DESIGN.md): from a response or an answer there is no path to a
person, an invitation, an access code or a moment in time."""

from __future__ import annotations

from types import SimpleNamespace

from django.apps import apps
from django.db import models
from django.test import Client

from organisation.models import OrgUnit
from socialkapital import services
from socialkapital.models import (
    AccessCode,
    Answer,
    DeliveryFailure,
    Invitation,
    InvitationLink,
    Item,
    Questionnaire,
    Response,
    SurveyRound,
)
from tests.test_answering import full_answers, invite, make_round, state_for

# These describe the round (what was asked, where, when the round ran), not the respondent;
# the walk does not go through them. Everything else reachable is a leak.
DESCRIBES_THE_ROUND = {OrgUnit, SurveyRound, Item, Questionnaire}
PERSONAL_OR_SECRET = {Invitation, InvitationLink, AccessCode, DeliveryFailure}
TIME_FIELDS = (models.DateField, models.TimeField, models.DurationField)  # DateTimeField too


def concrete_field_names(model: type[models.Model]) -> set[str]:
    return {field.name for field in model._meta.concrete_fields}


def forward_relations(model: type[models.Model]) -> list[models.Field]:
    return [
        field
        for field in model._meta.get_fields()
        if (field.is_relation and field.concrete) or isinstance(field, models.ManyToManyField)
    ]


def reachable_from(model: type[models.Model]) -> set[type[models.Model]]:
    """Every model reachable by forward relations, not walking through DESCRIBES_THE_ROUND."""
    seen: set[type[models.Model]] = set()
    todo = [model]
    while todo:
        current = todo.pop()
        for field in forward_relations(current):
            target = field.related_model
            if target in seen or target in DESCRIBES_THE_ROUND:
                continue
            seen.add(target)
            todo.append(target)
    return seen


def test_a_response_holds_exactly_its_id_round_and_unit() -> None:
    assert concrete_field_names(Response) == {"id", "round", "unit"}


def test_an_answer_holds_exactly_response_round_unit_item_and_value() -> None:
    assert concrete_field_names(Answer) == {"id", "response", "round", "unit", "item", "value"}


def test_a_response_score_holds_exactly_round_unit_dimension_and_score() -> None:
    # Not even the response: a score says no more than the answers it is computed from.
    from socialkapital.models import ResponseScore

    assert concrete_field_names(ResponseScore) == {"id", "round", "unit", "dimension", "score"}
    assert reachable_from(ResponseScore) == set()


def test_responses_and_answers_reach_no_person_invitation_or_code() -> None:
    user_model = apps.get_model("organisation", "User")
    assert reachable_from(Response) == set()
    assert reachable_from(Answer) == {Response}
    for model in (Response, Answer):
        reachable = reachable_from(model)
        assert user_model not in reachable
        assert not reachable & PERSONAL_OR_SECRET


def test_only_answer_points_at_a_response_and_nothing_points_at_an_answer() -> None:
    pointers = [
        (model, field.name)
        for model in apps.get_models()
        for field in forward_relations(model)
        if field.related_model in (Response, Answer)
    ]
    assert pointers == [(Answer, "response")]


def test_invitations_links_codes_and_delivery_failures_have_no_relation_to_responses() -> None:
    for model in PERSONAL_OR_SECRET:
        related = {field.related_model for field in model._meta.get_fields() if field.is_relation}
        assert Response not in related, model
        assert Answer not in related, model


def test_no_field_of_a_response_or_an_answer_holds_a_time() -> None:
    for model in (Response, Answer):
        for field in model._meta.get_fields():
            assert not isinstance(field, TIME_FIELDS), f"{model.__name__}.{field.name}"
            assert field.get_internal_type() not in {
                "DateField",
                "DateTimeField",
                "TimeField",
                "DurationField",
            }


def test_a_stored_response_holds_no_time(org: SimpleNamespace) -> None:
    survey_round = make_round(org.nord)
    _invitation, token = invite(survey_round, org.solsikken)
    entry = services.start_with_token(token=token, client_address="127.0.0.1")
    response = services.submit_response(state=state_for(entry, full_answers(survey_round)))
    row = Response.objects.filter(pk=response.pk).values().get()
    assert set(row) == {"id", "round_id", "unit_id"}
    for answer in Answer.objects.filter(response=response).values():
        assert set(answer) == {"id", "response_id", "round_id", "unit_id", "item_id", "value"}
    # The response id is random, not a sequence that would order responses in time.
    assert response.pk.version == 4


def test_the_thanks_page_shows_nothing_that_identifies_the_response(
    client: Client, org: SimpleNamespace
) -> None:
    survey_round = make_round(org.nord)
    _invitation, token = invite(survey_round, org.solsikken)
    entry = services.start_with_token(token=token, client_address="127.0.0.1")
    response = services.submit_response(state=state_for(entry, full_answers(survey_round)))
    page = client.get("/socialkapital/tak/")
    assert page.status_code == 200
    text = page.content.decode()
    assert str(response.pk) not in text
    assert response.pk.hex not in text
    assert survey_round.name not in text
