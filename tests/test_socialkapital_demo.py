"""The socialkapital part of `manage.py seed_demo`: past rounds with synthetic answers, one open
round with invitations and access codes.

Other engineers build the pages at the same time, so these tests look at the database only.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from io import StringIO
from statistics import mean
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import models
from django.db.models import Count
from django.utils import timezone
from pytest_django.fixtures import Settings

from organisation import demo as organisation_demo
from organisation.models import OrgUnit, User
from socialkapital import demo
from socialkapital.models import (
    DONT_KNOW,
    AccessCode,
    Answer,
    Invitation,
    InvitationLink,
    Item,
    Questionnaire,
    Response,
    SurveyRound,
)
from tests.factories import unit

pytestmark = pytest.mark.django_db

EMPLOYEES = 200


@pytest.fixture(autouse=True)
def debug(settings: Settings) -> None:
    # The demo logins exist only with DEBUG; the open round leaves them to try answering.
    settings.DEBUG = True


def seed(**options: object) -> str:
    out = StringIO()
    call_command("seed_demo", employees=EMPLOYEES, stdout=out, **options)
    return out.getvalue()


def closed_rounds() -> list[SurveyRound]:
    return list(SurveyRound.objects.filter(status=SurveyRound.Status.CLOSED).order_by("opens_at"))


def open_round() -> SurveyRound:
    return SurveyRound.objects.get(status=SurveyRound.Status.OPEN)


def employees() -> int:
    return User.objects.filter(home_unit__isnull=False, is_active=True).count()


def unit_means(survey: SurveyRound) -> dict[int, float]:
    """The mean score (1–5, reverse-scored items flipped, "don't know" left out) per unit."""
    reversed_items = set(Item.objects.filter(reverse_scored=True).values_list("pk", flat=True))
    scores: dict[int, list[int]] = defaultdict(list)
    for unit_id, item_id, value in Answer.objects.filter(round=survey).values_list(
        "unit_id", "item_id", "value"
    ):
        if value != DONT_KNOW:
            scores[unit_id].append(6 - value if item_id in reversed_items else value)
    return {unit_id: mean(values) for unit_id, values in scores.items()}


# --- Rounds -----------------------------------------------------------------------------------


def test_it_builds_three_closed_past_rounds_and_one_open_round_for_the_whole_municipality() -> None:
    output = seed()
    now = timezone.now()
    root = OrgUnit.objects.get(external_id=organisation_demo.ROOT_EXTERNAL_ID)
    questionnaire = Questionnaire.objects.get(name=demo.QUESTIONNAIRE_NAME, version=1)
    rounds = closed_rounds()
    assert len(rounds) == 3
    for survey in rounds:
        assert survey.closes_at < now
        assert survey.closed_at is not None
    current = open_round()
    assert current.opens_at <= now < current.closes_at
    assert current.closed_at is None
    assert 20 <= (current.closes_at - now).days <= 21
    for survey in [*rounds, current]:
        assert survey.scope == root
        assert survey.questionnaire == questionnaire
        assert survey.min_group_size == 5
        assert survey.min_group_size_agreed_by.startswith("Hoved-MED")
        assert survey.name.startswith("Social kapital ")
    assert "Built the demo's social-capital surveys" in output


def test_the_rounds_follow_each_other_half_a_year_apart_named_by_season() -> None:
    seed()
    rounds = [*closed_rounds(), open_round()]
    names = [survey.name for survey in rounds]
    assert len(set(names)) == 4
    assert all(("forår" in name) != ("efterår" in name) for name in names)
    for earlier, later in itertools.pairwise(rounds):
        assert earlier.closes_at < later.opens_at


# --- Closed rounds: invitations and responses -------------------------------------------------


def test_every_employee_is_invited_to_every_round_with_their_unit_and_email() -> None:
    seed()
    for survey in [*closed_rounds(), open_round()]:
        assert survey.invitations.count() == employees()
        mismatched = survey.invitations.exclude(unit=models.F("user__home_unit")).count()
        assert mismatched == 0
        assert survey.invitations.exclude(email=models.F("user__email")).count() == 0


def test_between_half_and_nine_tenths_answered_each_closed_round() -> None:
    seed()
    for survey in closed_rounds():
        invited = survey.invitations.count()
        responses = Response.objects.filter(round=survey).count()
        assert 0.5 * invited <= responses <= 0.9 * invited, survey.name


def test_answered_invitations_per_unit_equal_the_responses_per_unit_in_closed_rounds() -> None:
    seed()
    for survey in closed_rounds():
        answered = Counter(
            dict(
                survey.invitations.filter(answered_on__isnull=False)
                .values_list("unit")
                .annotate(n=Count("pk"))
                .values_list("unit", "n")
            )
        )
        responses = Counter(
            dict(
                Response.objects.filter(round=survey)
                .values_list("unit")
                .annotate(n=Count("pk"))
                .values_list("unit", "n")
            )
        )
        assert answered == responses, survey.name


def test_invitations_were_answered_on_days_within_their_round() -> None:
    seed()
    for survey in [*closed_rounds(), open_round()]:
        first = timezone.localdate(survey.opens_at)
        last = min(timezone.localdate(survey.closes_at), timezone.localdate())
        days = set(
            survey.invitations.filter(answered_on__isnull=False).values_list(
                "answered_on", flat=True
            )
        )
        assert days
        assert min(days) >= first, survey.name
        assert max(days) <= last, survey.name


# --- Answers ----------------------------------------------------------------------------------


def test_a_response_has_no_date_and_its_answers_cover_the_questionnaire_on_the_scale() -> None:
    seed()
    date_fields = [
        field.name
        for field in Response._meta.concrete_fields
        if isinstance(field, models.DateField | models.DateTimeField)
    ]
    assert date_fields == []
    items = Questionnaire.objects.get(name=demo.QUESTIONNAIRE_NAME, version=1).items.count()
    per_response = set(
        Response.objects.annotate(n=Count("answers")).values_list("n", flat=True).distinct()
    )
    assert per_response == {items}
    values = Counter(Answer.objects.values_list("value", flat=True))
    assert set(values) <= {0, 1, 2, 3, 4, 5}
    assert set(values) == {0, 1, 2, 3, 4, 5}  # every answer occurs, "don't know" a little
    assert values[DONT_KNOW] < 0.1 * sum(values.values())


def test_answers_repeat_the_round_and_unit_of_their_response() -> None:
    seed()
    assert Answer.objects.exclude(round=models.F("response__round")).count() == 0
    assert Answer.objects.exclude(unit=models.F("response__unit")).count() == 0


def test_reverse_scored_items_are_answered_consistently_with_the_level() -> None:
    """Most units are above the middle of the scale, so people mostly disagree with the
    reverse-scored statements."""
    seed()
    answers = Answer.objects.exclude(value=DONT_KNOW)
    plain = answers.filter(item__reverse_scored=False).aggregate(m=models.Avg("value"))["m"]
    flipped = answers.filter(item__reverse_scored=True).aggregate(m=models.Avg("value"))["m"]
    assert plain > 3.2
    assert flipped < 2.8


def test_levels_differ_between_units_and_change_between_rounds() -> None:
    seed()
    first, _, last = closed_rounds()
    before, after = unit_means(first), unit_means(last)
    assert max(before.values()) - min(before.values()) > 0.5
    changes = [after[unit_id] - before[unit_id] for unit_id in before.keys() & after.keys()]
    assert max(changes) > 0.25  # some units improve ...
    assert min(changes) < -0.25  # ... and some decline


def test_the_same_seed_gives_the_same_answers() -> None:
    seed()
    before = Counter(Answer.objects.values_list("unit__external_id", "item__code", "value"))
    seed(reset=True)
    after = Counter(Answer.objects.values_list("unit__external_id", "item__code", "value"))
    assert before == after


# --- The open round ---------------------------------------------------------------------------


def test_in_the_open_round_some_have_answered_but_not_the_demo_logins() -> None:
    seed()
    current = open_round()
    answered = current.invitations.filter(answered_on__isnull=False)
    assert 0 < answered.count() < current.invitations.count() * 0.6
    assert not answered.filter(email="").exists()  # people without e-mail answer by code
    logins = current.invitations.filter(user__username__in=organisation_demo.DEMO_USERNAMES)
    assert logins.filter(user__username="medarbejder").exists()
    assert not logins.filter(answered_on__isnull=False).exists()
    assert not logins.filter(sent_at__isnull=False).exists()  # the e-mail task sends theirs
    assert (
        not current.invitations.exclude(email="")
        .filter(sent_at__isnull=True)
        .exclude(pk__in=logins)
        .exists()
    )


def test_the_open_round_has_no_invitation_links_because_no_token_is_known() -> None:
    seed()
    assert not InvitationLink.objects.filter(invitation__round=open_round()).exists()


def test_two_workplaces_have_access_codes_stored_as_hashes_some_used() -> None:
    seed()
    current = open_round()
    codes = AccessCode.objects.filter(round=current)
    units = set(codes.values_list("unit__kind", "unit"))
    assert len(units) == 2
    assert {kind for kind, _ in units} == {OrgUnit.Kind.WORKPLACE}
    assert all(len(code_hash) == 64 for code_hash in codes.values_list("code_hash", flat=True))
    assert codes.filter(used=False).exists()
    # Responses by code count at the workplace; by link at the person's own unit.
    code_responses = codes.filter(used=True).count()
    link_responses = current.invitations.filter(answered_on__isnull=False).count()
    assert Response.objects.filter(round=current).count() == code_responses + link_responses


def test_the_demo_logins_get_their_invitation_email_after_commit(
    django_capture_on_commit_callbacks,
) -> None:
    with (
        mock.patch("socialkapital.tasks.invitations.send_invitation.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        seed()
    sent = {call.args[0] for call in delay.call_args_list}
    expected = set(
        open_round()
        .invitations.filter(user__username__in=organisation_demo.DEMO_USERNAMES)
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    assert sent == expected
    assert 1 <= len(sent) <= len(organisation_demo.DEMO_USERNAMES)


# --- Keep, reset and delete -------------------------------------------------------------------


def test_a_second_run_keeps_the_surveys_and_reset_builds_them_again() -> None:
    seed()
    counts = (SurveyRound.objects.count(), Response.objects.count(), Answer.objects.count())
    first_ids = set(SurveyRound.objects.values_list("pk", flat=True))
    output = seed()
    assert "The demo's social-capital surveys already exist" in output
    assert (SurveyRound.objects.count(), Response.objects.count(), Answer.objects.count()) == (
        counts
    )
    seed(reset=True)
    assert (SurveyRound.objects.count(), Response.objects.count(), Answer.objects.count()) == (
        counts
    )
    assert not first_ids & set(SurveyRound.objects.values_list("pk", flat=True))


def test_surveys_missing_from_an_older_demo_are_added_on_the_next_run() -> None:
    seed()
    demo.delete()
    assert not demo.exists()
    assert not SurveyRound.objects.exists()
    output = seed()
    assert "Built the demo's social-capital surveys" in output
    assert SurveyRound.objects.count() == 4


def test_deleting_the_demo_leaves_surveys_outside_it_alone() -> None:
    other = unit("Andeby Kommune", kind=OrgUnit.Kind.MUNICIPALITY, external_id="ANDEBY")
    seed()
    questionnaire = Questionnaire.objects.get(name=demo.QUESTIONNAIRE_NAME, version=1)
    now = timezone.now()
    outside = SurveyRound.objects.create(
        name="Andeby",
        questionnaire=questionnaire,
        scope=other,
        opens_at=now,
        closes_at=now + timezone.timedelta(days=7),
        min_group_size_agreed_by="Andeby MED",
    )
    seed(reset=True)
    organisation_demo.delete_demo()
    assert list(SurveyRound.objects.all()) == [outside]
    assert Questionnaire.objects.filter(pk=questionnaire.pk).exists()
    assert not Invitation.objects.exists()
    assert not Response.objects.exists()


def test_rounds_hr_made_in_the_demo_do_not_block_deleting_it() -> None:
    seed()
    root = OrgUnit.objects.get(external_id=organisation_demo.ROOT_EXTERNAL_ID)
    now = timezone.now()
    SurveyRound.objects.create(
        name="HR's own round",
        questionnaire=Questionnaire.objects.get(name=demo.QUESTIONNAIRE_NAME, version=1),
        scope=root,
        opens_at=now,
        closes_at=now + timezone.timedelta(days=7),
        min_group_size_agreed_by="Hoved-MED 1. december",
    )
    organisation_demo.delete_demo()
    assert not SurveyRound.objects.exists()
    assert not OrgUnit.objects.filter(external_id=organisation_demo.ROOT_EXTERNAL_ID).exists()


def test_without_the_demo_municipality_there_are_no_demo_surveys_and_delete_does_nothing() -> None:
    assert not demo.exists()
    demo.delete()
