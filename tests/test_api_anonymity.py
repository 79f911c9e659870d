"""The API's results under the anonymity proof of tests/test_results_anonymity.py: the same
generator of random trees, respondents, answers and k, the same real aggregation, and the same
attacker, who now reads every figure from the API with a key that sees everything (HR for the
whole municipality): the attacker must learn nothing about a group of 1..k-1 responses, and the
API must give no figure the result rows (what the pages and exports show) do not.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings

from organisation import api_tokens
from organisation.models import RoleAssignment
from socialkapital.models import Questionnaire, Result
from tests import test_results_anonymity as proof
from tests.factories import UserFactory, assign

pytestmark = pytest.mark.django_db

FIGURES = ("n", "mean", "sd", "ci_low", "ci_high", "favourable_percent", "distribution")


@pytest.fixture
def questionnaire(db: None) -> Questionnaire:
    """The proof's questionnaire (three dimensions, two statements each, one reversed)."""
    return proof.questionnaire.__wrapped__(db)


@pytest.fixture
def hr_key(db: None) -> str:
    """A key that sees every unit's results: HR for the whole municipality. One for all the
    examples of a test (the database is shared by them)."""
    reader = UserFactory(username="hr-bevis")
    assign(reader, RoleAssignment.Role.HR)
    return api_tokens.api_token_create(user=reader, name="Bevis").secret


def api_rows(survey_id: int, secret: str) -> list[tuple[int, dict]]:
    """(unit id, row) of every result row the API gives, page by page."""
    rows: list[tuple[int, dict]] = []
    url = reverse("api:result_units", args=[survey_id])
    params: dict[str, object] = {"items": "true", "page_size": 200, "page": 1}
    while True:
        response = Client().get(url, params, headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 200, response.content
        page = response.json()
        rows += [(found["id"], row) for found in page["results"] for row in found["results"]]
        if not page["next"]:
            return rows
        params["page"] += 1


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=proof.scenarios())
def test_no_figure_the_api_gives_reveals_a_group_smaller_than_k(
    questionnaire: Questionnaire, hr_key: str, scenario: tuple
) -> None:
    parents, _respondents, k, _seed = scenario
    cache.clear()  # the rate limit per key starts afresh in every example
    units, survey, raw = proof.build_scenario(questionnaire, scenario)
    given_rows = api_rows(survey.pk, hr_key)

    # Nothing beyond the stored rows: the same rows, a hidden one without any figure, and a
    # shown one with exactly its stored n.
    stored = {(r.unit_id, r.cell, r.key): r for r in Result.objects.filter(round=survey)}
    assert {(pk, row["cell"], row["key"]) for pk, row in given_rows} == set(stored)
    for pk, row in given_rows:
        result = stored[pk, row["cell"], row["key"]]
        assert row["suppressed"] == result.hidden
        if result.hidden:
            assert all(row[figure] is None for figure in FIGURES), row
        else:
            assert row["n"] == result.n

    ids = {units[u].pk: u for u in parents}
    tree = {u: parents[u] for u in parents}
    leaves = {u for u in tree if not any(p == u for p in tree.values())}
    for key, counts in proof.true_counts(raw).items():
        own = {ids[pk]: n for pk, n in counts.items()}
        visible: dict[proof.Cell, int] = {}
        with_rows = {(row["cell"], ids[pk]) for pk, row in given_rows if row["key"] == key}
        for pk, row in given_rows:
            if row["key"] == key and not row["suppressed"]:
                visible[row["cell"], ids[pk]] = row["n"]
                if ids[pk] in leaves:
                    visible["own", ids[pk]] = row["n"]  # a leaf's subtree is its own
        for u in tree:
            for cell in ("own", "subtree"):
                if (cell, u) not in with_rows and not (u in leaves and cell == "own"):
                    visible.setdefault((cell, u), 0)  # no row: known to hold no responses
                if u in leaves and cell == "own" and ("subtree", u) not in with_rows:
                    visible.setdefault((cell, u), 0)
        assert proof.attacker_learns(tree, own, visible, k) == [], key
