"""Aggregating employees' value signals per quarter: grouped counts, roll-up over the
organisation, suppression below k (also of a parent minus a visible child), idempotence, the
refusal of an open quarter, and the reconciler's choice of quarters."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db.models import Count

from organisation.models import OrgUnit
from styring import periods, tasks
from styring.models import Instrument, SignalAggregation, SignalResult, ValueSignal
from styring.queries.signals import instrument_summaries
from styring.services.signal_aggregation import aggregate_period, periods_needing_aggregation

pytestmark = pytest.mark.django_db

LAST_QUARTER = periods.previous(periods.current_period())
QUARTER_BEFORE = periods.previous(LAST_QUARTER)


def instrument(title: str, unit: OrgUnit) -> Instrument:
    created = Instrument.objects.create(
        title=title,
        kind=Instrument.Kind.DOCUMENTATION,
        origin=Instrument.Origin.ADMINISTRATION,
        owner_unit=unit,
        minutes_per_month=20,
        status=Instrument.Status.ACTIVE,
    )
    created.applies_to.add(unit)
    return created


def give(
    on: Instrument,
    unit: OrgUnit,
    count: int,
    period: str = LAST_QUARTER,
    *,
    helps: str = "yes",
    uses: str = "yes",
    duplicate: str = "no",
) -> None:
    """Signals of a quarter, written directly (the service only writes the current quarter's
    for real users)."""
    ValueSignal.objects.bulk_create(
        ValueSignal(
            instrument=on,
            unit=unit,
            period=period,
            helps=helps,
            uses=uses,
            duplicate=duplicate,
        )
        for _ in range(count)
    )


def rows(period: str = LAST_QUARTER) -> dict[tuple[int, int, str], SignalResult]:
    return {
        (row.instrument_id, row.unit_id, row.cell): row
        for row in SignalResult.objects.filter(period=period)
    }


def shown_counts(period: str = LAST_QUARTER) -> list[int]:
    return [row.n for row in SignalResult.objects.filter(period=period, hidden=False)]


def leaks(org_units: list[OrgUnit], found: dict, instrument_id: int, k: int) -> list[str]:
    """An attacker who sees every shown row (and knows a missing row means no signals) solves
    the equations subtree(u) = own(u) + Σ subtree(children), one unknown at a time; written
    from DESIGN.md, independently of the suppression code. Returns what they must not learn."""
    by_path = {unit.path: unit.pk for unit in org_units}
    parents = {
        unit.pk: by_path.get(unit.path[: -OrgUnit.steplen]) if unit.depth > 1 else None
        for unit in org_units
    }
    children: dict[int, list[int]] = {pk: [] for pk in parents}
    for pk, parent in parents.items():
        if parent is not None:
            children[parent].append(pk)
    actual_own = dict(
        ValueSignal.objects.filter(period=LAST_QUARTER, instrument_id=instrument_id)
        .values_list("unit_id")
        .annotate(n=Count("pk"))
    )
    count: dict[tuple[str, int], int] = {}
    known: set[tuple[str, int]] = set()
    for pk in parents:
        subtree_row = found.get((instrument_id, pk, "subtree"))
        own_row = found.get((instrument_id, pk, "own"))
        count["own", pk] = actual_own.get(pk, 0)
        count["subtree", pk] = 0
        if subtree_row is None or not subtree_row.hidden:
            known.add(("subtree", pk))
        if not children[pk]:  # a leaf's own cell is its subtree cell
            if ("subtree", pk) in known:
                known.add(("own", pk))
        elif own_row is None or not own_row.hidden:
            known.add(("own", pk))
    for pk in parents:  # subtree counts, walking up from every unit's own signals
        unit: int | None = pk
        while unit is not None:
            count["subtree", unit] += count["own", pk]
            unit = parents[unit]
    equations = [
        [("subtree", pk), ("own", pk), *(("subtree", child) for child in children[pk])]
        for pk in parents
    ]
    changed = True
    while changed:
        changed = False
        for terms in equations:
            missing = [term for term in terms if term not in known]
            if len(missing) == 1:
                known.add(missing[0])
                changed = True
    problems = [
        f"{term} with {count[term]} signals is derivable" for term in known if 1 <= count[term] < k
    ]
    for terms in equations:
        if terms[0] in known:
            unknown = [term for term in terms[1:] if term not in known]
            total = sum(count[term] for term in unknown)
            if unknown and 1 <= total < k:
                problems.append(f"{terms[0]}: unknown terms together hold {total}")
    return problems


def test_signals_are_counted_per_unit_and_rolled_up_the_tree(org: SimpleNamespace) -> None:
    care = instrument("Dokumentation af trivsel", org.root)
    give(care, org.solsikken, 6, helps="yes")
    give(care, org.maelkeboetten, 5, helps="no", duplicate="yes")
    give(care, org.group, 7, helps="partly", uses="no", duplicate="dont_know")
    aggregate_period(period=LAST_QUARTER)

    found = rows()
    assert found[care.pk, org.solsikken.pk, "subtree"].n == 6
    nord = found[care.pk, org.nord.pk, "subtree"]
    assert nord.n == 11
    assert nord.helps == [6, 0, 5, 0]
    assert nord.duplicate == [5, 6, 0]
    root = found[care.pk, org.root.pk, "subtree"]
    assert (root.n, root.helps, root.uses) == (18, [6, 7, 5, 0], [11, 0, 7, 0])
    # Units without own signals get no own row, and units without any no row at all.
    assert (care.pk, org.nord.pk, "own") not in found
    assert SignalAggregation.objects.get(period=LAST_QUARTER).signals == 18


def test_a_small_workplace_is_hidden_and_never_shown_in_figures(org: SimpleNamespace) -> None:
    care = instrument("Ugeplaner", org.root)
    give(care, org.solsikken, 9)
    give(care, org.maelkeboetten, 2)
    aggregate_period(period=LAST_QUARTER)

    found = rows()
    small = found[care.pk, org.maelkeboetten.pk, "subtree"]
    assert small.hidden
    assert (small.n, small.helps, small.uses, small.duplicate) == (None, None, None, None)
    assert 2 not in shown_counts()


def test_a_parent_minus_a_visible_child_does_not_reveal_a_small_sibling(
    org: SimpleNamespace,
) -> None:
    care = instrument("Ugeplaner", org.root)
    give(care, org.solsikken, 9)
    give(care, org.maelkeboetten, 2)
    aggregate_period(period=LAST_QUARTER)

    found = rows()
    nord = found[care.pk, org.nord.pk, "subtree"]
    # Dagtilbud Nord (11) stays visible, so Solsikken (9) must be hidden too: 11 − 9 = 2.
    assert not nord.hidden
    assert nord.n == 11
    assert found[care.pk, org.solsikken.pk, "subtree"].hidden
    units = list(OrgUnit.objects.all())
    assert leaks(units, found, care.pk, 5) == []


def test_the_oracle_notices_a_parent_minus_a_visible_child(org: SimpleNamespace) -> None:
    """The attacker above is what the suppression tests lean on, so it must see a real leak."""
    care = instrument("Ugeplaner", org.root)
    give(care, org.solsikken, 9)
    give(care, org.maelkeboetten, 2)
    aggregate_period(period=LAST_QUARTER)
    found = rows()
    tampered = SignalResult(cell="subtree", hidden=False, n=9)
    found[care.pk, org.solsikken.pk, "subtree"] = tampered

    assert leaks(list(OrgUnit.objects.all()), found, care.pk, 5) != []


def test_an_area_with_own_signals_and_children_leaks_nothing(org: SimpleNamespace) -> None:
    care = instrument("Tilsyn", org.root)
    give(care, org.nord, 3)  # the area's own employees
    give(care, org.solsikken, 8)
    give(care, org.maelkeboetten, 6)
    give(care, org.east, 1)
    give(care, org.group, 12)
    aggregate_period(period=LAST_QUARTER)

    found = rows()
    assert found[care.pk, org.nord.pk, "own"].hidden
    assert 3 not in shown_counts()
    assert 1 not in shown_counts()
    assert leaks(list(OrgUnit.objects.all()), found, care.pk, 5) == []


def test_an_instrument_with_fewer_than_k_signals_has_no_figure_anywhere(
    org: SimpleNamespace,
) -> None:
    care = instrument("Ugeplaner", org.root)
    give(care, org.solsikken, 4)
    aggregate_period(period=LAST_QUARTER)

    assert shown_counts() == []
    assert SignalResult.objects.filter(period=LAST_QUARTER, hidden=True).exists()
    assert instrument_summaries([care.pk]) == {}


def test_k_comes_from_the_settings(org: SimpleNamespace, settings) -> None:
    settings.VALUE_SIGNAL_MIN_GROUP_SIZE = 3
    care = instrument("Ugeplaner", org.nord)
    give(care, org.solsikken, 4)
    give(care, org.maelkeboetten, 3)
    aggregate_period(period=LAST_QUARTER)

    assert sorted(shown_counts()) == [3, 4, 7, 7, 7]  # Mælkebøtten, Solsikken, Nord, BU, root
    assert SignalAggregation.objects.get(period=LAST_QUARTER).k == 3


def test_aggregating_twice_gives_the_same_rows_and_keeps_the_version(
    org: SimpleNamespace,
) -> None:
    care = instrument("Ugeplaner", org.root)
    give(care, org.solsikken, 9)
    give(care, org.maelkeboetten, 2)
    aggregate_period(period=LAST_QUARTER)
    first = sorted(
        SignalResult.objects.values_list("instrument", "unit", "cell", "hidden", "n", "helps")
    )
    first_ids = set(SignalResult.objects.values_list("pk", flat=True))

    aggregate_period(period=LAST_QUARTER)

    again = sorted(
        SignalResult.objects.values_list("instrument", "unit", "cell", "hidden", "n", "helps")
    )
    assert again == first
    assert set(SignalResult.objects.values_list("pk", flat=True)) == first_ids  # not rewritten
    assert SignalAggregation.objects.get(period=LAST_QUARTER).version == 1


def test_a_late_signal_replaces_the_rows_and_raises_the_version(org: SimpleNamespace) -> None:
    care = instrument("Ugeplaner", org.root)
    give(care, org.solsikken, 9)
    aggregate_period(period=LAST_QUARTER)
    give(care, org.solsikken, 1)

    aggregate_period(period=LAST_QUARTER)

    aggregation = SignalAggregation.objects.get(period=LAST_QUARTER)
    assert (aggregation.version, aggregation.signals) == (2, 10)
    assert rows()[care.pk, org.root.pk, "subtree"].n == 10
    assert SignalResult.objects.filter(period=LAST_QUARTER).count() == 4  # no duplicates


def test_other_quarters_rows_are_left_alone(org: SimpleNamespace) -> None:
    care = instrument("Ugeplaner", org.root)
    give(care, org.solsikken, 6, QUARTER_BEFORE)
    give(care, org.solsikken, 7)
    aggregate_period(period=QUARTER_BEFORE)
    aggregate_period(period=LAST_QUARTER)

    assert rows(QUARTER_BEFORE)[care.pk, org.root.pk, "subtree"].n == 6
    assert rows()[care.pk, org.root.pk, "subtree"].n == 7


def test_a_quarter_that_has_not_ended_is_refused(org: SimpleNamespace) -> None:
    care = instrument("Ugeplaner", org.root)
    give(care, org.solsikken, 9, periods.current_period())

    with pytest.raises(ValueError, match="not ended"):
        aggregate_period(period=periods.current_period())
    with pytest.raises(ValueError, match="not a period"):
        aggregate_period(period="2026-Q5")
    assert not SignalResult.objects.exists()
    assert not SignalAggregation.objects.exists()


def test_the_summary_is_the_whole_organisations_figure_of_the_latest_quarter(
    org: SimpleNamespace,
) -> None:
    care = instrument("Ugeplaner", org.root)
    give(care, org.solsikken, 6, QUARTER_BEFORE, helps="no")
    give(care, org.solsikken, 4, helps="yes", duplicate="yes")
    give(care, org.group, 2, helps="partly", duplicate="no")
    give(care, org.group, 2, helps="no", duplicate="no")
    aggregate_period(period=QUARTER_BEFORE)
    aggregate_period(period=LAST_QUARTER)

    summary = instrument_summaries([care.pk])[care.pk]
    assert (summary.period, summary.n) == (LAST_QUARTER, 8)
    assert summary.helps == {"yes": 4, "partly": 2, "no": 2, "dont_know": 0}
    assert summary.helpful_share == pytest.approx(0.75)
    assert summary.unhelpful_share == pytest.approx(0.25)
    assert summary.active_use_share == 1.0
    assert summary.duplicate_share == pytest.approx(0.5)


def test_the_reconciler_enqueues_only_ended_quarters_that_are_missing_or_stale(
    org: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    care = instrument("Ugeplaner", org.root)
    three_back = periods.previous(QUARTER_BEFORE)
    give(care, org.solsikken, 5, three_back)  # aggregated and unchanged: not again
    aggregate_period(period=three_back)
    give(care, org.solsikken, 5, QUARTER_BEFORE)  # aggregated, then a late signal: stale
    aggregate_period(period=QUARTER_BEFORE)
    give(care, org.solsikken, 1, QUARTER_BEFORE)
    give(care, org.solsikken, 5)  # never aggregated: missing
    give(care, org.solsikken, 5, periods.current_period())  # still open: never

    assert periods_needing_aggregation() == [QUARTER_BEFORE, LAST_QUARTER]
    enqueued: list[str] = []
    monkeypatch.setattr(tasks.aggregate_value_signals, "delay", enqueued.append)
    result = tasks.reconcile_value_signals.delay().get()

    assert enqueued == [QUARTER_BEFORE, LAST_QUARTER]
    assert result == {"enqueued": [QUARTER_BEFORE, LAST_QUARTER]}


def test_the_reconciler_sees_a_changed_k_as_stale(org: SimpleNamespace, settings) -> None:
    care = instrument("Ugeplaner", org.root)
    give(care, org.solsikken, 5)
    aggregate_period(period=LAST_QUARTER)
    assert periods_needing_aggregation() == []

    settings.VALUE_SIGNAL_MIN_GROUP_SIZE = 7

    assert periods_needing_aggregation() == [LAST_QUARTER]


def test_the_task_aggregates_an_ended_quarter_and_skips_an_open_one(
    org: SimpleNamespace,
) -> None:
    care = instrument("Ugeplaner", org.root)
    give(care, org.solsikken, 5)
    give(care, org.solsikken, 5, periods.current_period())

    tasks.aggregate_value_signals.delay(LAST_QUARTER).get()
    skipped = tasks.aggregate_value_signals.delay(periods.current_period()).get()

    assert SignalAggregation.objects.get(period=LAST_QUARTER).signals == 5
    assert skipped["skipped"] == "not ended"
    assert not SignalAggregation.objects.filter(period=periods.current_period()).exists()


def test_the_reconciler_aggregates_what_it_enqueues(org: SimpleNamespace) -> None:
    care = instrument("Ugeplaner", org.root)
    give(care, org.solsikken, 5)

    tasks.reconcile_value_signals.delay().get()  # eager without Redis: runs in process

    assert rows()[care.pk, org.root.pk, "subtree"].n == 5
    assert periods_needing_aggregation() == []


def test_the_work_is_done_in_grouped_queries_whatever_the_number_of_signals(
    org: SimpleNamespace, django_assert_max_num_queries
) -> None:
    care = instrument("Ugeplaner", org.root)
    other = instrument("Tjeklister", org.nord)
    for unit in (org.solsikken, org.maelkeboetten, org.group, org.nord):
        give(care, unit, 40)
        give(other, unit, 25, helps="no")

    with django_assert_max_num_queries(12):
        aggregate_period(period=LAST_QUARTER)
