"""Suppression of small groups in survey results, checked against an independent attacker.

The oracle below is written from DESIGN.md ("Anonymity"), not from the suppression code: it
shares nothing with `organisation.anonymity` except the call to `suppress`.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping
from fractions import Fraction

import pytest

from organisation.anonymity import suppress

Cell = tuple[str, int]  # ("own" | "subtree", unit)


# --- the oracle --------------------------------------------------------------------------------


def _subtree_counts(parents: Mapping[int, int | None], own: Mapping[int, int]) -> dict[int, int]:
    totals = dict.fromkeys(parents, 0)
    for u, n in own.items():
        # Walk up from each unit: slow but obviously right, which is what an oracle wants.
        v: int | None = u
        while v is not None:
            totals[v] += n
            v = parents[v]
    return totals


def _equations(parents: Mapping[int, int | None]) -> list[tuple[Cell, list[Cell]]]:
    """One equation per unit: subtree(u) = own(u) + sum of subtree(child)."""
    rights: dict[int, list[Cell]] = {u: [("own", u)] for u in parents}
    for u, p in parents.items():
        if p is not None:
            rights[p].append(("subtree", u))
    return [(("subtree", u), rights[u]) for u in parents]


def attacker_violations(
    parents: Mapping[int, int | None], own: Mapping[int, int], k: int
) -> list[str]:
    """What the attacker of DESIGN.md learns that they must not.

    Every visible cell is known. Repeatedly, in an equation whose terms are all known but one,
    that one becomes known (this includes a hidden subtree whose own cell and children are
    known). At the fixpoint, a violation is a hidden cell with 1..k-1 responses that became
    known, or an equation with a known left side whose still-unknown terms together hold 1..k-1
    (the attacker gets that total by subtraction). When the left side is unknown too, the
    subtraction only gives back the sum of the known terms, so it reveals nothing new.
    """
    result = suppress(parents, own, k)
    subtree = _subtree_counts(parents, own)
    count: dict[Cell, int] = {}
    for u in parents:
        count["own", u] = own.get(u, 0)
        count["subtree", u] = subtree[u]
    hidden = {c for c in count if result.is_hidden(c[0], c[1])}

    equations = _equations(parents)
    in_equations: dict[Cell, list[int]] = {c: [] for c in count}
    unknown_terms: list[int] = []
    for i, (left, right) in enumerate(equations):
        for term in [left, *right]:
            in_equations[term].append(i)
        unknown_terms.append(sum(1 for t in [left, *right] if t in hidden))

    known = set(count) - hidden
    queue = [i for i, n in enumerate(unknown_terms) if n == 1]
    while queue:
        i = queue.pop()
        left, right = equations[i]
        missing = [t for t in [left, *right] if t not in known]
        if len(missing) != 1:
            continue
        cell = missing[0]
        known.add(cell)
        for j in in_equations[cell]:
            unknown_terms[j] -= 1
            if unknown_terms[j] == 1:
                queue.append(j)

    violations = [
        f"hidden {kind} cell of unit {u} with {count[kind, u]} responses is derivable"
        for kind, u in sorted(hidden & known)
        if 1 <= count[kind, u] < k
    ]
    for left, right in equations:
        if left not in known:
            continue
        unknown = [t for t in right if t not in known]
        total = sum(count[t] for t in unknown)
        if unknown and 1 <= total < k:
            violations.append(f"{left}: unknown terms {unknown} together hold {total}")
    return violations


def linear_algebra_violations(
    parents: Mapping[int, int | None], own: Mapping[int, int], k: int
) -> list[frozenset[int]]:
    """The strongest attacker, for small trees only: any set of units whose own responses total
    1..k-1 and whose total is a linear combination of the visible figures."""
    result = suppress(parents, own, k)
    units = sorted(parents)
    index = {u: i for i, u in enumerate(units)}
    rows: list[list[Fraction]] = []
    for u in units:
        if not result.is_hidden("own", u):
            row = [Fraction(0)] * len(units)
            row[index[u]] = Fraction(1)
            rows.append(row)
        if not result.is_hidden("subtree", u):
            row = [Fraction(0)] * len(units)
            for v in units:
                w: int | None = v
                while w is not None and w != u:
                    w = parents[w]
                if w == u:
                    row[index[v]] = Fraction(1)
            rows.append(row)
    basis = _echelon(rows)
    found = []
    for size in range(1, len(units) + 1):
        for group in itertools.combinations(units, size):
            if not 1 <= sum(own.get(u, 0) for u in group) < k:
                continue
            vector = [Fraction(1 if u in group else 0) for u in units]
            if _in_span(basis, vector):
                found.append(frozenset(group))
    return found


def _echelon(rows: list[list[Fraction]]) -> list[tuple[int, list[Fraction]]]:
    basis: list[tuple[int, list[Fraction]]] = []
    for row in rows:
        reduced = _reduce(basis, row)
        pivot = next((i for i, x in enumerate(reduced) if x != 0), None)
        if pivot is not None:
            basis.append((pivot, [x / reduced[pivot] for x in reduced]))
    return basis


def _reduce(basis: list[tuple[int, list[Fraction]]], row: list[Fraction]) -> list[Fraction]:
    row = list(row)
    for pivot, b in basis:
        if row[pivot] != 0:
            factor = row[pivot]
            row = [x - factor * y for x, y in zip(row, b, strict=True)]
    return row


def _in_span(basis: list[tuple[int, list[Fraction]]], vector: list[Fraction]) -> bool:
    return not any(_reduce(basis, vector))


def primary_cells_not_hidden(
    parents: Mapping[int, int | None], own: Mapping[int, int], k: int
) -> list[Cell]:
    result = suppress(parents, own, k)
    subtree = _subtree_counts(parents, own)
    missing: list[Cell] = []
    for u in parents:
        if 1 <= own.get(u, 0) < k and not result.is_hidden("own", u):
            missing.append(("own", u))
        if 1 <= subtree[u] < k and not result.is_hidden("subtree", u):
            missing.append(("subtree", u))
    return missing


# --- tree generators ---------------------------------------------------------------------------


def random_tree(
    rng: random.Random, max_units: int = 150
) -> tuple[dict[int, int | None], dict[int, int], int]:
    """A forest of one or two roots, depth 1-6, fan-out 1-6, own counts 0-12, k in {3, 5}.
    Unit ids are shuffled so that id order (the tie-break) does not follow the tree shape."""
    depth = rng.randint(1, 6)
    fan_out = rng.randint(1, 6)
    ids = rng.sample(range(1, 10 * max_units), max_units)
    parents: dict[int, int | None] = {}
    level: list[int] = []
    for _ in range(rng.choice([1, 1, 1, 2])):
        root = ids.pop()
        parents[root] = None
        level.append(root)
    for _ in range(depth):
        next_level: list[int] = []
        for p in level:
            for _ in range(rng.randint(1 if p in level[:1] else 0, fan_out)):
                if not ids:
                    break
                child = ids.pop()
                parents[child] = p
                next_level.append(child)
        level = next_level
    # Many units higher up have no own responses, as in a real organisation.
    own = {u: rng.choice([0, 0, rng.randint(0, 12)]) for u in parents}
    return parents, own, rng.choice([3, 5])


def big_tree(rng: random.Random, units: int) -> tuple[dict[int, int | None], dict[int, int]]:
    """A large, irregular tree: each unit hangs under one of the 50 units created just before it,
    so it is both deep and wide; most workplaces are small."""
    parents: dict[int, int | None] = {0: None}
    for u in range(1, units):
        parents[u] = rng.randrange(max(0, u - 50), u)
    own = {u: rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 30]) for u in parents}
    return parents, own


def hidden_cells(parents: Mapping[int, int | None], own: Mapping[int, int], k: int) -> set[Cell]:
    result = suppress(parents, own, k)
    return {("own", u) for u in result.hidden_own} | {("subtree", u) for u in result.hidden_subtree}


# --- hand-made cases ---------------------------------------------------------------------------


@pytest.mark.parametrize("k", [3, 5])
def test_a_small_child_beside_a_big_one_is_not_revealed_by_parent_minus_big_child(k: int) -> None:
    parents: dict[int, int | None] = {1: None, 2: 1, 3: 1}
    own = {2: 2, 3: 30}
    hidden = hidden_cells(parents, own, k)
    assert {("own", 2), ("subtree", 2)} <= hidden
    # Something besides the small child is hidden, else parent minus big child gives 2.
    assert hidden - {("own", 2), ("subtree", 2)}
    assert attacker_violations(parents, own, k) == []
    assert linear_algebra_violations(parents, own, k) == []


@pytest.mark.parametrize("k", [3, 5])
def test_a_unit_with_few_own_responses_but_a_large_subtree_keeps_its_subtree_figure(
    k: int,
) -> None:
    # Unit 2 has 2 responses of its own and two workplaces of 20 below it.
    parents: dict[int, int | None] = {1: None, 2: 1, 3: 2, 4: 2, 5: 1}
    own = {2: 2, 3: 20, 4: 20, 5: 25}
    result = suppress(parents, own, k)
    assert result.is_hidden("own", 2)
    assert not result.is_hidden("subtree", 2)
    assert not result.is_hidden("subtree", 1)
    # Subtree(2) minus its workplaces would give own(2), so one workplace is hidden too.
    assert result.is_hidden("subtree", 3) or result.is_hidden("subtree", 4)
    assert attacker_violations(parents, own, k) == []
    assert linear_algebra_violations(parents, own, k) == []


@pytest.mark.parametrize("k", [3, 5])
def test_a_leaf_workplace_of_two_under_an_area_of_thirty_hides_one_sibling_not_the_area(
    k: int,
) -> None:
    parents: dict[int, int | None] = {10: None, 11: 10, 12: 10, 13: 10}
    own = {11: 2, 12: 14, 13: 14}
    result = suppress(parents, own, k)
    assert not result.is_hidden("subtree", 10)
    assert result.hidden_subtree == {11, 12}  # equal siblings: the lower id is hidden
    assert result.hidden_own == {11, 12}
    assert attacker_violations(parents, own, k) == []
    assert linear_algebra_violations(parents, own, k) == []


def test_the_smallest_sibling_is_hidden_to_protect_a_small_workplace() -> None:
    parents: dict[int, int | None] = {1: None, 2: 1, 3: 1, 4: 1}
    own = {2: 1, 3: 40, 4: 9}
    result = suppress(parents, own, 5)
    assert result.hidden_subtree == {2, 4}
    assert not result.is_hidden("subtree", 1)
    assert attacker_violations(parents, own, 5) == []


@pytest.mark.parametrize("k", [3, 5])
def test_a_root_with_only_one_child_does_not_reveal_its_own_small_group(k: int) -> None:
    parents: dict[int, int | None] = {1: None, 2: 1}
    own = {1: 2, 2: 30}
    result = suppress(parents, own, k)
    assert result.is_hidden("own", 1)
    assert attacker_violations(parents, own, k) == []
    assert linear_algebra_violations(parents, own, k) == []


@pytest.mark.parametrize("k", [3, 5])
def test_a_root_with_only_one_small_child_hides_both_figures(k: int) -> None:
    parents: dict[int, int | None] = {1: None, 2: 1}
    own = {2: 2}
    result = suppress(parents, own, k)
    assert result.hidden_subtree == {1, 2}
    assert result.hidden_own == {2}  # the root's own 0 stays visible as "no responses"
    assert attacker_violations(parents, own, k) == []


@pytest.mark.parametrize("k", [3, 5])
def test_units_without_responses_stay_visible_and_are_never_used_as_cover(k: int) -> None:
    parents: dict[int, int | None] = {1: None, 2: 1, 3: 1, 4: 1, 5: 4}
    own = {2: 1, 3: 0, 5: 20}  # 1 and 4 have no own responses, 3 has none at all
    result = suppress(parents, own, k)
    assert not result.is_hidden("own", 3)
    assert not result.is_hidden("subtree", 3)
    assert not result.is_hidden("own", 1)
    assert result.is_hidden("subtree", 2)
    assert attacker_violations(parents, own, k) == []
    assert linear_algebra_violations(parents, own, k) == []


def test_a_tree_with_no_responses_hides_nothing() -> None:
    parents: dict[int, int | None] = {1: None, 2: 1, 3: 2}
    result = suppress(parents, {}, 5)
    assert result.hidden_own == frozenset()
    assert result.hidden_subtree == frozenset()


def test_a_group_of_four_is_visible_with_k_three_and_hidden_with_k_five() -> None:
    parents: dict[int, int | None] = {1: None, 2: 1, 3: 1}
    own = {2: 4, 3: 4}
    assert hidden_cells(parents, own, 3) == set()
    assert hidden_cells(parents, own, 5) == {("own", 2), ("own", 3), ("subtree", 2), ("subtree", 3)}
    assert attacker_violations(parents, own, 5) == []


def test_small_units_protect_each_other_when_together_they_hold_k() -> None:
    parents: dict[int, int | None] = {1: None, 2: 1, 3: 1, 4: 1}
    own = {2: 3, 3: 3, 4: 30}
    result = suppress(parents, own, 5)
    assert result.hidden_subtree == {2, 3}  # parent minus the big child gives 6 >= k
    assert attacker_violations(parents, own, 5) == []


def test_joining_a_unit_and_its_hidden_child_reveals_nothing() -> None:
    # own(1) + own(2) = subtree(1) - subtree(3): a combination of two equations that the
    # one-equation-at-a-time closure does not try, but the suppression must still cover.
    parents: dict[int, int | None] = {1: None, 2: 1, 3: 2}
    own = {1: 1, 2: 1, 3: 10}
    assert attacker_violations(parents, own, 3) == []
    assert linear_algebra_violations(parents, own, 3) == []


def test_nothing_is_hidden_when_every_cell_holds_at_least_k() -> None:
    rng = random.Random(7)
    parents, _, _ = random_tree(rng)
    own = {u: rng.randint(5, 12) for u in parents}
    assert hidden_cells(parents, own, 5) == set()


def test_the_result_is_the_same_whatever_order_the_units_are_given_in() -> None:
    rng = random.Random(11)
    parents, own, k = random_tree(rng)
    shuffled = list(parents.items())
    rng.shuffle(shuffled)
    assert suppress(dict(shuffled), own, k) == suppress(parents, own, k)


def test_k_below_three_and_broken_trees_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        suppress({1: None}, {1: 5}, 2)
    with pytest.raises(ValueError, match="not in the tree"):
        suppress({1: None, 2: 9}, {}, 5)
    with pytest.raises(ValueError, match="cycle"):
        suppress({1: None, 2: 3, 3: 2}, {}, 5)


# --- properties --------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(300))
def test_random_trees_leak_nothing_and_hide_every_small_cell(seed: int) -> None:
    parents, own, k = random_tree(random.Random(seed))
    assert attacker_violations(parents, own, k) == []
    assert primary_cells_not_hidden(parents, own, k) == []


@pytest.mark.parametrize("seed", range(150))
def test_small_random_trees_leak_nothing_even_to_linear_algebra(seed: int) -> None:
    parents, own, k = random_tree(random.Random(seed), max_units=9)
    assert linear_algebra_violations(parents, own, k) == []


def test_ten_thousand_units_complete() -> None:
    parents, own = big_tree(random.Random(1), 10_000)
    result = suppress(parents, own, 5)
    assert result.hidden_subtree


def test_a_two_thousand_unit_tree_leaks_nothing() -> None:
    for k in (3, 5):
        parents, own = big_tree(random.Random(k), 2_000)
        assert attacker_violations(parents, own, k) == []
        assert primary_cells_not_hidden(parents, own, k) == []
