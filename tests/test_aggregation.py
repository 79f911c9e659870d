"""Aggregating a closed round into result rows (socialkapital/services/aggregation.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from socialkapital.models import Result, SurveyRound
from socialkapital.services.aggregation import aggregate_round, t_quantile
from tests.factories import add_responses, closed_round

pytestmark = pytest.mark.django_db


def rows(survey_round: SurveyRound) -> dict[tuple[str, str, str], Result]:
    return {
        (row.unit.name, row.cell, row.key): row
        for row in Result.objects.filter(round=survey_round).select_related("unit")
    }


def test_a_unit_where_everyone_agrees_scores_75_on_every_measure(org: SimpleNamespace) -> None:
    survey = closed_round(org.root, k=3)
    add_responses(survey, org.solsikken, 4, value=lambda i, item: 2 if item.reverse_scored else 4)
    aggregate_round(round_id=survey.pk)
    result = rows(survey)
    index = result[("Børnehuset Solsikken", "subtree", "index")]
    assert (index.n, index.mean, index.sd, index.favourable) == (4, 75.0, 0.0, 1.0)
    assert index.distribution == [0, 0, 0, 4, 0]
    root = result[("Testkommune", "subtree", "dimension:justice")]
    assert (root.n, root.mean) == (4, 75.0)


def test_aggregation_refuses_an_open_round(org: SimpleNamespace) -> None:
    survey = closed_round(org.root)
    SurveyRound.objects.filter(pk=survey.pk).update(status=SurveyRound.Status.OPEN)
    with pytest.raises(ValidationError):
        aggregate_round(round_id=survey.pk)
    assert not Result.objects.exists()


def test_t_quantile_is_students_t() -> None:
    assert t_quantile(4) == pytest.approx(2.776)
    assert t_quantile(100) == pytest.approx(1.984, abs=0.001)


def snapshot(survey_round: SurveyRound) -> list[tuple]:
    return sorted(
        Result.objects.filter(round=survey_round).values_list(
            "unit_id",
            "cell",
            "key",
            "hidden",
            "n",
            "mean",
            "sd",
            "ci_low",
            "ci_high",
            "favourable",
            "distribution",
        ),
        key=repr,
    )


def mixed(index: int, item: object) -> int:
    """Answers that differ between respondents and items, with some "don't know"."""
    return (index * 7 + item.pk * 3) % 6


@pytest.fixture
def answered(org: SimpleNamespace) -> SurveyRound:
    survey = closed_round(org.root, k=3)
    add_responses(survey, org.solsikken, 6, value=mixed)
    add_responses(survey, org.maelkeboetten, 2, value=mixed)  # below k
    add_responses(survey, org.nord, 1, value=mixed)  # the area's leader, own response
    add_responses(survey, org.group, 5, value=mixed)
    return survey


def test_figures_match_a_direct_computation_from_the_answers(answered: SurveyRound) -> None:
    import statistics

    from socialkapital.models import Answer

    aggregate_round(round_id=answered.pk)
    item = answered.questionnaire.items.order_by("code").first()
    values = list(
        Answer.objects.filter(round=answered, item=item, value__gt=0).values_list(
            "value", flat=True
        )
    )
    scores = [(5 - v if item.reverse_scored else v - 1) * 25 for v in values]
    row = Result.objects.get(
        round=answered, unit=answered.scope, cell="subtree", key=f"item:{item.code}"
    )
    assert row.n == len(scores)
    assert row.mean == pytest.approx(statistics.mean(scores), abs=0.01)
    assert row.sd == pytest.approx(statistics.stdev(scores), abs=0.01)
    half = t_quantile(len(scores) - 1) * statistics.stdev(scores) / len(scores) ** 0.5
    assert row.ci_low == pytest.approx(max(0, statistics.mean(scores) - half), abs=0.01)
    assert row.favourable == pytest.approx(sum(s >= 75 for s in scores) / len(scores), abs=1e-4)
    assert row.distribution == [scores.count(s) for s in (0, 25, 50, 75, 100)]


def test_a_small_workplace_is_hidden_and_carries_no_figures(answered: SurveyRound) -> None:
    aggregate_round(round_id=answered.pk)
    small = Result.objects.filter(round=answered, unit__name="Vuggestuen Mælkebøtten")
    assert small.exists()
    assert all(row.hidden and row.n is None and row.mean is None for row in small)


def test_a_hidden_workplace_still_counts_in_the_municipality(answered: SurveyRound) -> None:
    aggregate_round(round_id=answered.pk)
    root = Result.objects.get(round=answered, unit=answered.scope, cell="subtree", key="index")
    assert root.n == 14


def test_no_shown_figure_rests_on_fewer_than_k_responses(answered: SurveyRound) -> None:
    aggregate_round(round_id=answered.pk)
    shown = Result.objects.filter(round=answered, hidden=False)
    assert shown.exists()
    assert min(shown.values_list("n", flat=True)) >= answered.min_group_size


def test_running_it_twice_gives_the_same_rows_and_keeps_the_version(answered: SurveyRound) -> None:
    first = aggregate_round(round_id=answered.pk)
    rows = snapshot(answered)
    second = aggregate_round(round_id=answered.pk)
    assert snapshot(answered) == rows
    assert (first.written, second.written) == (True, False)
    answered.refresh_from_db()
    assert answered.results_version == 1


def test_a_split_aggregation_gives_the_same_rows_as_one_task(answered: SurveyRound) -> None:
    from socialkapital.services import aggregation

    aggregation.aggregate_round(round_id=answered.pk)
    whole = snapshot(answered)
    Result.objects.filter(round=answered).delete()
    SurveyRound.objects.filter(pk=answered.pk).update(results_version=0, results_fingerprint="")
    parts = aggregation.split_parts(answered, 3)
    assert len(parts) >= 2
    own = aggregation.merge_vectors(
        {str(u): v for u, v in aggregation.own_vectors(answered, part=part).items()}
        for part in parts
    )
    aggregation.aggregate_round(round_id=answered.pk, own=own)
    assert snapshot(answered) == whole


def test_the_split_task_chord_writes_the_same_rows(answered: SurveyRound, settings) -> None:
    from socialkapital.services import aggregation
    from socialkapital.tasks.results import aggregate_round as aggregate_task

    aggregation.aggregate_round(round_id=answered.pk)
    whole = snapshot(answered)
    Result.objects.filter(round=answered).delete()
    SurveyRound.objects.filter(pk=answered.pk).update(results_version=0, results_fingerprint="")
    settings.RESULTS_SPLIT_AT_RESPONSES = 1
    settings.RESULTS_PARTS = 3
    aggregate_task.delay(answered.pk)
    assert snapshot(answered) == whole


def test_closing_a_round_aggregates_it(
    org: SimpleNamespace, django_capture_on_commit_callbacks
) -> None:
    from socialkapital.services.rounds import round_close

    survey = closed_round(org.root)
    SurveyRound.objects.filter(pk=survey.pk).update(status=SurveyRound.Status.OPEN, closed_at=None)
    add_responses(survey, org.solsikken, 4)
    survey.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        round_close(survey_round=survey)
    survey.refresh_from_db()
    assert survey.results_version == 1
    assert Result.objects.filter(round=survey, unit=org.solsikken, key="index").exists()


def test_a_round_with_results_cannot_be_reopened(answered: SurveyRound) -> None:
    from datetime import timedelta

    from django.utils import timezone, translation

    from socialkapital.services.rounds import can_reopen, round_extend

    assert can_reopen(answered)
    aggregate_round(round_id=answered.pk)
    answered.refresh_from_db()
    assert not can_reopen(answered)
    with translation.override("en"), pytest.raises(ValidationError, match="results have been"):
        round_extend(survey_round=answered, closes_at=timezone.now() + timedelta(days=3))


def test_the_reconciler_closes_an_overdue_round_and_aggregates_it(
    org: SimpleNamespace, django_capture_on_commit_callbacks
) -> None:
    from socialkapital.tasks.results import reconcile_results

    survey = closed_round(org.root, closes_days_ago=1)
    SurveyRound.objects.filter(pk=survey.pk).update(status=SurveyRound.Status.OPEN, closed_at=None)
    add_responses(survey, org.solsikken, 4)
    with django_capture_on_commit_callbacks(execute=True):
        reconcile_results.delay()
    survey.refresh_from_db()
    assert survey.status == SurveyRound.Status.CLOSED
    assert survey.results_version == 1


def test_the_reconciler_recomputes_stale_results_and_leaves_fresh_ones(
    answered: SurveyRound,
) -> None:
    from socialkapital.services.aggregation import rounds_needing_results

    assert rounds_needing_results() == [answered.pk]
    aggregate_round(round_id=answered.pk)
    assert rounds_needing_results() == []
    add_responses(answered, answered.scope, 3)  # a late answer that committed after the close
    assert rounds_needing_results() == [answered.pk]


def test_the_reconciler_leaves_rounds_whose_raw_answers_are_deleted(answered: SurveyRound) -> None:
    from django.utils import timezone

    from socialkapital.services.aggregation import rounds_needing_results

    SurveyRound.objects.filter(pk=answered.pk).update(raw_answers_deleted_at=timezone.now())
    assert rounds_needing_results() == []


def test_a_dimension_score_needs_half_of_its_items_answered(org: SimpleNamespace) -> None:
    survey = closed_round(org.root)
    # Everything "don't know": no item, dimension or index figures at all.
    add_responses(survey, org.solsikken, 4, value=0)
    aggregate_round(round_id=survey.pk)
    assert not Result.objects.filter(round=survey, unit=org.solsikken).exists()


def test_reverse_scored_items_are_flipped(org: SimpleNamespace) -> None:
    survey = closed_round(org.root)
    add_responses(survey, org.solsikken, 3, value=5)  # "strongly agree" with everything
    aggregate_round(round_id=survey.pk)
    reversed_item = survey.questionnaire.items.filter(reverse_scored=True).first()
    plain_item = survey.questionnaire.items.filter(reverse_scored=False).first()
    by_key = {r.key: r.mean for r in Result.objects.filter(round=survey, unit=org.solsikken)}
    assert by_key[f"item:{reversed_item.code}"] == 0.0
    assert by_key[f"item:{plain_item.code}"] == 100.0


def test_each_cell_and_measure_has_one_row_even_after_repeated_runs(answered: SurveyRound) -> None:
    from django.db.models import Count

    aggregate_round(round_id=answered.pk)
    aggregate_round(round_id=answered.pk)  # the fingerprint matches: nothing rewritten
    SurveyRound.objects.filter(pk=answered.pk).update(results_fingerprint="")  # rewritten
    aggregate_round(round_id=answered.pk)
    duplicates = (
        Result.objects.filter(round=answered)
        .values("unit", "cell", "key")
        .annotate(rows=Count("pk"))
        .filter(rows__gt=1)
    )
    assert not duplicates.exists()
    assert Result.objects.filter(round=answered, hidden=False).exists()


def test_an_item_code_with_a_tab_and_a_backslash_keeps_its_key(org: SimpleNamespace) -> None:
    from socialkapital.models import Item

    survey = closed_round(org.root, k=3)
    item = survey.questionnaire.items.order_by("code").first()
    Item.objects.filter(pk=item.pk).update(code="Q\\1\tA")
    add_responses(survey, org.solsikken, 4)
    aggregate_round(round_id=survey.pk)
    row = Result.objects.get(round=survey, unit=org.solsikken, key="item:Q\\1\tA")
    assert (row.n, row.item_id, row.hidden) == (4, item.pk, False)


def test_a_new_aggregation_with_other_rows_raises_the_version(answered: SurveyRound) -> None:
    first = aggregate_round(round_id=answered.pk)
    add_responses(answered, answered.scope, 3)
    second = aggregate_round(round_id=answered.pk)
    answered.refresh_from_db()
    assert (first.version, second.version, answered.results_version) == (1, 2, 2)
    assert second.written
    root = Result.objects.get(round=answered, unit=answered.scope, cell="subtree", key="index")
    assert root.n == 17
