"""The anonymity proof of the results, end to end: random unit trees, respondents, answers
(with "don't know", so every measure has its own counts) and k go through the real aggregation,
and an attacker who knows every figure shown to any role must learn nothing about a group of
1..k-1 responses (DESIGN.md, "Anonymity").

The attacker is written here from DESIGN.md, independent of the suppression code: the true
counts come from the raw answers, the known figures from the stored rows (a hidden row holds
none), and the closure adds any term of a unit's equation whose other terms are all known.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from organisation.models import OrgUnit
from socialkapital.models import (
    Dimension,
    Item,
    Questionnaire,
    QuestionnaireItem,
    Result,
    SurveyRound,
)
from socialkapital.services.aggregation import aggregate_round
from tests.factories import add_responses, closed_round, unit

pytestmark = pytest.mark.django_db

Cell = tuple[str, int]
DIMENSIONS = (Dimension.JUSTICE, Dimension.BONDING, Dimension.CORE_TASK)
ITEMS_PER_DIMENSION = 2
DONT_KNOW_SHARE = 0.15


@pytest.fixture
def questionnaire(db: None) -> Questionnaire:
    questionnaire = Questionnaire.objects.create(name="Anonymitetsbevis")
    position = 0
    for dimension in DIMENSIONS:
        for number in range(ITEMS_PER_DIMENSION):
            position += 1
            item = Item.objects.create(
                code=f"anon-{dimension[:8]}-{number}",
                dimension=dimension,
                text_da=f"Udsagn {position}",
                text_en=f"Statement {position}",
                reverse_scored=number == 1,
            )
            QuestionnaireItem.objects.create(
                questionnaire=questionnaire, item=item, position=position
            )
    return questionnaire


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[dict[int, int | None], dict[int, int], int, int]:
    size = draw(st.integers(min_value=2, max_value=9))
    parents: dict[int, int | None] = {0: None}
    for child in range(1, size):
        parents[child] = draw(st.integers(min_value=0, max_value=child - 1))
    respondents = {u: draw(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 8])) for u in parents}
    k = draw(st.integers(min_value=3, max_value=5))
    seed = draw(st.integers(min_value=0, max_value=2**32))
    return parents, respondents, k, seed


def true_counts(answers: Mapping[int, list[dict[str, int]]]) -> dict[str, dict[int, int]]:
    """Per measure key and unit, the respondents whose answers give that measure a score,
    computed from the raw answers by the rules of DESIGN.md."""
    counts: dict[str, dict[int, int]] = {}

    def add(key: str, unit_id: int) -> None:
        counts.setdefault(key, {}).setdefault(unit_id, 0)
        counts[key][unit_id] += 1

    for unit_id, respondents in answers.items():
        for values in respondents:
            scored_dimensions = 0
            for dimension in DIMENSIONS:
                codes = [c for c in values if c.startswith(f"anon-{dimension[:8]}-")]
                answered = [c for c in codes if values[c] > 0]
                for code in answered:
                    add(f"item:{code}", unit_id)
                if answered and 2 * len(answered) >= len(codes):
                    add(f"dimension:{dimension}", unit_id)
                    scored_dimensions += 1
            if scored_dimensions and 2 * scored_dimensions >= len(DIMENSIONS):
                add("index", unit_id)
    return counts


def attacker_learns(
    parents: Mapping[int, int | None],
    own: Mapping[int, int],
    known_figures: Mapping[Cell, int],
    k: int,
) -> list[str]:
    """Violations: a cell of 1..k-1 responses that is shown or derivable, or a known total
    minus known parts that leaves 1..k-1 responses."""
    subtree = dict.fromkeys(parents, 0)
    for u, n in own.items():
        v: int | None = u
        while v is not None:
            subtree[v] += n
            v = parents[v]
    truth: dict[Cell, int] = {}
    for u in parents:
        truth["own", u] = own.get(u, 0)
        truth["subtree", u] = subtree[u]
    problems = [f"{cell} shown with {n}" for cell, n in known_figures.items() if 1 <= n < k]
    problems += [
        f"{cell} shows {n} but holds {truth[cell]}"
        for cell, n in known_figures.items()
        if n != truth[cell]
    ]
    children = {u: [c for c, p in parents.items() if p == u] for u in parents}
    equations = [
        (("subtree", u), [("own", u), *(("subtree", c) for c in children[u])]) for u in parents
    ]
    known = set(known_figures)
    changed = True
    while changed:
        changed = False
        for left, right in equations:
            missing = [t for t in [left, *right] if t not in known]
            if len(missing) == 1:
                known.add(missing[0])
                changed = True
    hidden_known = [c for c in known - set(known_figures) if 1 <= truth[c] < k]
    problems += [f"hidden {cell} with {truth[cell]} is derivable" for cell in hidden_known]
    for left, right in equations:
        if left in known:
            unknown = [t for t in right if t not in known]
            total = sum(truth[t] for t in unknown)
            if unknown and 1 <= total < k:
                problems.append(f"{left} minus known parts leaves {total} in {unknown}")
    return problems


def build_scenario(
    questionnaire: Questionnaire, scenario: tuple
) -> tuple[dict[int, OrgUnit], SurveyRound, dict[int, list[dict[str, int]]]]:
    """A drawn scenario stored and aggregated: its units (scenario id -> unit), the closed
    round, and every respondent's raw answers by unit pk (0 is "don't know"). Shared by the
    tests of every place figures leave the database (pages, exports, API)."""
    parents, respondents, k, seed = scenario
    rng = random.Random(seed)
    units: dict[int, OrgUnit] = {}
    for u in sorted(parents):
        parent = parents[u]
        units[u] = unit(f"Enhed {seed}-{u}", parent=None if parent is None else units[parent])
    survey = closed_round(units[0], k=k, questionnaire=questionnaire)
    raw: dict[int, list[dict[str, int]]] = {}
    for u, count in respondents.items():
        drawn = [
            {
                item.code: 0 if rng.random() < DONT_KNOW_SHARE else rng.randint(1, 5)
                for item in questionnaire.items.all()
            }
            for _ in range(count)
        ]
        raw[units[u].pk] = drawn
        if count:
            add_responses(survey, units[u], count, value=lambda i, item, d=drawn: d[i][item.code])
    aggregate_round(round_id=survey.pk)
    return units, survey, raw


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_no_figure_shown_to_anyone_reveals_a_group_smaller_than_k(
    questionnaire: Questionnaire, scenario: tuple
) -> None:
    parents, _respondents, k, _seed = scenario
    units, survey, raw = build_scenario(questionnaire, scenario)

    ids = {units[u].pk: u for u in parents}
    tree = {u: parents[u] for u in parents}
    rows = list(Result.objects.filter(round=survey))
    assert all(row.hidden == (row.n is None) for row in rows), "a hidden row with figures"
    for key, counts in true_counts(raw).items():
        own = {ids[pk]: n for pk, n in counts.items()}
        visible: dict[Cell, int] = {}
        with_rows = {(row.cell, ids[row.unit_id]) for row in rows if row.key == key}
        for row in rows:
            if row.key == key and not row.hidden:
                visible[row.cell, ids[row.unit_id]] = row.n
                if not any(p == ids[row.unit_id] for p in tree.values()):
                    visible["own", ids[row.unit_id]] = row.n  # a leaf's subtree is its own
        for u in tree:
            for cell in ("own", "subtree"):
                is_leaf = not any(p == u for p in tree.values())
                if (cell, u) not in with_rows and not (is_leaf and cell == "own"):
                    visible.setdefault((cell, u), 0)  # no row: known to hold no responses
                if is_leaf and cell == "own" and ("subtree", u) not in with_rows:
                    visible.setdefault((cell, u), 0)
        assert attacker_learns(tree, own, visible, k) == [], key
