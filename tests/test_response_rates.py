"""Live response rates: counts per unit and subtree, only in the reader's scope, fixed queries."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organisation.models import User
from socialkapital import queries
from socialkapital.models import Invitation, Questionnaire, Response, SurveyRound
from tests.factories import UserFactory, unit

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _default_questionnaire(db: None) -> None:
    """The data migration's default questionnaire. A transactional test elsewhere in the suite
    flushes the database, migration data included, so it is put back (idempotently)."""
    migration = importlib.import_module("socialkapital.migrations.0002_default_questionnaire")
    migration.add_default_questionnaire(django_apps, None)


def make_round(scope, status=SurveyRound.Status.OPEN) -> SurveyRound:
    now = timezone.now()
    return SurveyRound.objects.create(
        name="Forår",
        questionnaire=Questionnaire.objects.get(name="Social kapital – standard", version=1),
        scope=scope,
        opens_at=now - DAY,
        closes_at=now + 14 * DAY,
        min_group_size_agreed_by="Hoved-MED",
        status=status,
    )


def invite(survey_round: SurveyRound, unit_, count: int, answered: int) -> None:
    for _n in range(count):
        person = UserFactory(home_unit=unit_)
        Invitation.objects.create(round=survey_round, user=person, unit=unit_, email=person.email)
    Response.objects.bulk_create(Response(round=survey_round, unit=unit_) for _n in range(answered))


@pytest.fixture
def survey(org):
    """A municipality-wide round: Solsikken 10 invited / 6 answered, Mælkebøtten 4 / 1 plus one
    answer by access code, Dagtilbud Nord's own staff 2 / 0, Gruppe 1 5 / 5."""
    survey_round = make_round(org.root)
    invite(survey_round, org.solsikken, 10, 6)
    invite(survey_round, org.maelkeboetten, 4, 2)  # one of the two came by access code
    invite(survey_round, org.nord, 2, 0)
    invite(survey_round, org.group, 5, 5)
    return survey_round


def by_name(rows) -> dict[str, queries.UnitRate]:
    return {row.unit.name: row for row in rows}


def test_counts_per_unit_and_subtree_are_right(org, hr, survey) -> None:
    rows = by_name(queries.response_rates(survey, hr))
    nord = rows["Dagtilbud Nord"]
    assert (nord.own.invited, nord.own.answered) == (2, 0)
    assert (nord.subtree.invited, nord.subtree.answered) == (16, 8)
    assert nord.subtree.share == 50
    assert (rows["Vuggestuen Mælkebøtten"].subtree.answered) == 2
    root = rows["Testkommune"]
    assert (root.subtree.invited, root.subtree.answered) == (21, 13)
    assert root.top
    assert root.depth == 0
    assert rows["Børnehuset Solsikken"].depth == 3
    assert rows["Sundhed og Omsorg"].subtree.share == 100
    assert rows["Børn og Unge"].subtree.invited == 16
    # Tree order: each unit directly after its parent's subtree began.
    names = [row.unit.name for row in queries.response_rates(survey, hr)]
    assert names.index("Dagtilbud Nord") < names.index("Børnehuset Solsikken")


def test_a_unit_nobody_was_invited_from_has_no_share(org, hr, survey) -> None:
    assert by_name(queries.response_rates(survey, hr))["Hjemmeplejen Øst"].own.share is None


def test_a_leader_sees_only_their_own_subtree_with_it_on_top(org, leader, survey) -> None:
    rows = queries.response_rates(survey, leader)
    assert [row.unit.name for row in rows] == [
        "Dagtilbud Nord",
        "Børnehuset Solsikken",
        "Vuggestuen Mælkebøtten",
    ]
    assert rows[0].top
    assert [row.depth for row in rows] == [0, 1, 1]


def test_a_leader_of_another_area_sees_none_of_this_areas_units(
    org, other_leader, survey, client_for
) -> None:
    names = {row.unit.name for row in queries.response_rates(survey, other_leader)}
    assert names == {"Hjemmeplejen Øst", "Gruppe 1"}
    nord_round = make_round(org.nord)
    invite(nord_round, org.solsikken, 3, 1)
    url = reverse("socialkapital:round", args=[nord_round.pk])
    assert client_for(other_leader).get(url).status_code == 404


def test_a_med_member_follows_the_units_their_committee_covers(org, med_member, survey) -> None:
    names = {row.unit.name for row in queries.response_rates(survey, med_member)}
    assert names == {"Dagtilbud Nord", "Børnehuset Solsikken", "Vuggestuen Mælkebøtten"}


def test_response_rates_take_a_fixed_number_of_queries(org, hr, survey) -> None:
    reader = User.objects.get(pk=hr.pk)
    queries.response_rates(survey, reader)  # resolves and caches the reader's scope
    with CaptureQueriesContext(connection) as small:
        queries.response_rates(survey, reader)
    parent = org.group
    for number in range(15):
        parent = unit(f"Team {number}", parent=parent if number % 3 else org.east)
        invite(survey, parent, 2, 1)
    with CaptureQueriesContext(connection) as large:
        rows = queries.response_rates(survey, reader)
    assert len(rows) == 8 + 15
    assert len(large) == len(small) == 3


def test_the_summary_counts_the_subtrees_of_the_given_units(org, survey) -> None:
    summary = queries.response_rate_summary(survey, [org.nord, org.solsikken, org.group])
    assert (summary.invited, summary.answered, summary.share) == (21, 13, 62)
    assert queries.response_rate_summary(survey, []).invited == 0


def test_the_round_page_shows_the_table_and_the_htmx_refresh(org, leader, survey, client_for):
    client = client_for(leader)
    url = reverse("socialkapital:round", args=[survey.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert len(page.context["rates"]) == 3
    assert "<caption>" in page.content.decode()
    partial = client.get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert partial.content.decode().lstrip().startswith('<section id="rates"')


def test_the_index_lists_the_rounds_with_the_rate_of_the_readers_scope(
    org, leader, hr, survey, client_for
) -> None:
    make_round(org.east)  # another area's round: not the leader's
    response = client_for(leader).get(reverse("socialkapital:index"))
    assert response.status_code == 200
    # The page is rendered from index_rows (and cached); it lists the leader's round.
    assert survey.name in response.content.decode()
    rows = queries.index_rows(leader)
    assert [row.survey_round for row in rows] == [survey]
    assert (rows[0].rate.invited, rows[0].rate.answered) == (16, 8)
    hr_rows = queries.index_rows(hr)
    assert {row.survey_round.scope for row in hr_rows} == {org.root, org.east}


@pytest.mark.parametrize("persona", ["employee", "politician"])
def test_employees_and_politicians_do_not_follow_response_rates(
    persona, request, survey, client_for
) -> None:
    # They open the results index (their workplace, the organisation overview), but no rounds.
    person = request.getfixturevalue(persona)
    client = client_for(person)
    response = client.get(reverse("socialkapital:index"))
    assert response.status_code == 200
    assert queries.index_rows(person) == []
    assert 'id="rounds-heading"' not in response.content.decode()
    assert client.get(reverse("socialkapital:round", args=[survey.pk])).status_code == 404


def test_signing_in_is_needed(survey, client) -> None:
    response = client.get(reverse("socialkapital:index"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
