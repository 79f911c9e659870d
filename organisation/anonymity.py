"""Which result cells to hide so that no group of 1..k-1 responses can be seen or derived.

Pure Python, no models: the aggregation of survey results (socialkapital) and of employees' value
signals on governance (styring) call `suppress` once per measure and store the flags that every
view, export and API then reads (DESIGN.md, "Anonymity"). It lives here, in the lowest app, so
that both apps use the one set of rules.

Cells and equations. Every unit u has two cells: OWN(u), the responses whose unit is exactly u,
and SUBTREE(u), its own responses plus everything below it. They are linked by one equation per
unit: SUBTREE(u) = OWN(u) + the sum of SUBTREE(child) over its children.

What an attacker can learn. Write every cell as a sum of the units' own responses ("atoms"). A
visible OWN cell reveals one atom. A visible SUBTREE(t), minus the visible SUBTREE cells nearest
below it, reveals the total of its "region": t and the units below it down to, not including,
those visible subtrees. Taking away the region's visible OWN cells leaves t's "block": the units
of the region whose own responses are hidden, with a known total. Blocks and visible atoms never
overlap, so whatever an attacker derives by adding and subtracting visible figures (and so
anything the equation-by-equation closure of DESIGN.md finds) is a union of blocks and visible
atoms. Hence the results are safe exactly when every visible cell and every block holds either 0
or at least k responses. This is stronger than the closure used as the test oracle: it also
covers combining the equations of a unit and of its hidden child.

The algorithm, in one pass over the tree from the leaves up:
1. Primary suppression: hide every cell with 1..k-1 responses. A cell with 0 stays visible: "no
   responses" is not a secret and hiding it would protect nothing.
2. At each unit t whose SUBTREE stays visible, its block total is known (the hidden own
   responses collected from t and from its hidden subtrees). If it is 1..k-1, hide one more
   visible term of t's (combined) equation, the one with the smallest count that adds at least
   one response to the block; ties go to the lower unit id, then OWN before SUBTREE. A term is
   either the OWN cell of a unit in t's region, or a visible SUBTREE(x) just below the region;
   hiding SUBTREE(x) merges x's block into t's, and when x's block is empty it has to be opened
   further (e.g. a leaf workplace: hide both its SUBTREE and its OWN cell). Either way the block
   then holds at least k, because every visible cell and every finished block below holds 0 or
   at least k.
3. Only when no such term exists is SUBTREE(t) itself hidden; its block then joins the block of
   the nearest visible ancestor, which is checked when the pass gets there. Ancestors are never
   hidden merely because something below them is, so hidden units still count in their
   ancestors' figures wherever that reveals nothing.
Work done at a unit only touches its region and the unit's children, and each step is final
(hiding more later never reopens a block that was settled below), so the pass is linear in the
number of units: one best candidate per unit is carried upwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

CellKind = Literal["own", "subtree"]
OWN: CellKind = "own"
SUBTREE: CellKind = "subtree"

MIN_K = 3


@dataclass(frozen=True, slots=True)
class Suppression:
    """The hidden cells of one measure. A cell not listed is shown (possibly as 0 responses)."""

    k: int
    hidden_own: frozenset[int]
    hidden_subtree: frozenset[int]

    def is_hidden(self, kind: CellKind, unit: int) -> bool:
        if kind == OWN:
            return unit in self.hidden_own
        if kind == SUBTREE:
            return unit in self.hidden_subtree
        raise ValueError(f"unknown cell kind {kind!r}")


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A way to add responses to a block by hiding `cells` (the first one is the visible term of
    the block's equation; any further ones open an empty block below it)."""

    count: int  # responses in the first cell: the figure the reader loses
    unit: int
    kind_rank: int  # 0 for OWN, 1 for SUBTREE: a unit's own figure says less than its subtree
    gain: int  # responses the block gains, always >= 1
    cells: tuple[tuple[CellKind, int], ...]

    def key(self) -> tuple[int, int, int, int]:
        return (self.count, len(self.cells), self.unit, self.kind_rank)


Tree = tuple[dict[int, list[int]], list[int]]


def prepare_tree(parents: Mapping[int, int | None]) -> Tree:
    """The children lists and the children-first order of a tree, checked; pass it to
    `suppress` when suppressing many measures over the same tree."""
    return _children_first(parents)


def suppress(
    parents: Mapping[int, int | None],
    own: Mapping[int, int],
    k: int,
    tree: Tree | None = None,
) -> Suppression:
    """Hide the fewest cells (by the rule in the module docstring) so that no group of 1..k-1
    responses is shown or derivable. `parents` maps every unit to its parent (None for a root);
    `own` gives the responses whose unit is exactly that unit (missing means 0); `tree` is
    `prepare_tree(parents)`, computed here when not given."""
    if k < MIN_K:
        raise ValueError(f"k must be at least {MIN_K}, got {k}")
    children, order = tree if tree is not None else _children_first(parents)
    for unit, n in own.items():
        if unit not in parents:
            raise ValueError(f"responses for unit {unit} which is not in the tree")
        if n < 0:
            raise ValueError(f"negative number of responses for unit {unit}")

    subtree: dict[int, int] = {}
    for u in order:
        subtree[u] = own.get(u, 0) + sum(subtree[c] for c in children[u])

    hidden_own = {u for u in parents if 1 <= own.get(u, 0) < k}
    hidden_subtree = {u for u in parents if 1 <= subtree[u] < k}

    # For a unit whose SUBTREE is hidden: the hidden responses of the part of its region at and
    # below it, and the best candidate inside that part. For a visible SUBTREE: how to open it.
    block_part: dict[int, int] = {}
    best_inside: dict[int, _Candidate | None] = {}
    opening: dict[int, _Candidate | None] = {}

    for u in order:
        n_own = own.get(u, 0)
        block = n_own if u in hidden_own else 0
        best: _Candidate | None = None
        if u not in hidden_own and n_own >= 1:
            best = _Candidate(n_own, u, 0, n_own, ((OWN, u),))
        for c in children[u]:
            if c in hidden_subtree:
                block += block_part[c]
                other = best_inside[c]
            else:
                other = opening[c]
            if other is not None and (best is None or other.key() < best.key()):
                best = other

        if u not in hidden_subtree and 1 <= block < k:
            if best is not None:
                for kind, cell_unit in best.cells:
                    (hidden_own if kind == OWN else hidden_subtree).add(cell_unit)
                block += best.gain
                best = None  # spent; once u's block is settled nobody above looks inside it
            else:
                hidden_subtree.add(u)

        if u in hidden_subtree:
            block_part[u] = block
            best_inside[u] = best
        elif block >= 1:
            opening[u] = _Candidate(subtree[u], u, 1, block, ((SUBTREE, u),))
        elif best is not None:
            opening[u] = _Candidate(subtree[u], u, 1, best.gain, ((SUBTREE, u), *best.cells))
        else:
            opening[u] = None  # nothing below holds a response: hiding it would add nothing

    return Suppression(k, frozenset(hidden_own), frozenset(hidden_subtree))


def _children_first(
    parents: Mapping[int, int | None],
) -> tuple[dict[int, list[int]], list[int]]:
    """Children lists (sorted, for determinism) and an order with every unit after its
    children. Iterative, because a national tree may be deeper than Python's recursion limit."""
    children: dict[int, list[int]] = {u: [] for u in parents}
    roots: list[int] = []
    for u, p in parents.items():
        if p is None:
            roots.append(u)
        elif p not in parents:
            raise ValueError(f"unit {u} has parent {p} which is not in the tree")
        else:
            children[p].append(u)
    for kids in children.values():
        kids.sort()
    preorder: list[int] = []
    stack = sorted(roots, reverse=True)
    while stack:
        u = stack.pop()
        preorder.append(u)
        stack.extend(reversed(children[u]))
    if len(preorder) != len(parents):
        raise ValueError("the unit tree has a cycle")
    preorder.reverse()
    return children, preorder
