"""Respondents' dimension scores and overall index (DESIGN.md, "Aggregation and results"),
computed in SQL from their answers when a response is stored, and for a whole round when
scores are missing (older data, a bulk load).

An item answered 1..5 scores 0, 25, 50, 75, 100 (reversed items flipped); "don't know" is not
scored. A respondent's dimension score is the mean of their answered items in it, when at least
half of them are answered; their index is the mean of their dimension scores, when at least
half of the questionnaire's dimensions have one. Scores are kept in hundredths (0..10000),
rounded half up with integer arithmetic only (cast back to INTEGER, since PostgreSQL's SUM of
a BIGINT is NUMERIC and would divide exactly), so both databases give the same numbers:
(5000 * points + answered) / (2 * answered) = round(2500 * points / answered).
"""

from __future__ import annotations

from django.db import connection, transaction

from socialkapital.models import (
    Answer,
    Item,
    QuestionnaireItem,
    Response,
    ResponseScore,
    SurveyRound,
)

__all__ = ["ensure_round_scored", "score_response"]


def table_name(model: type) -> str:
    """The model's table, quoted, for the raw SQL of scoring and aggregation."""
    return connection.ops.quote_name(model._meta.db_table)


_table = table_name


def _insert_scores(*, round_id: int, response_id: object = None) -> None:
    """One INSERT … SELECT: the scores of the round's responses (or of one response). The
    number of dimensions is read in the same statement, so a submit pays one round trip."""
    condition, params = "a.round_id = %s", [round_id]
    if response_id is not None:
        condition += " AND a.response_id = %s"
        params.append(Response._meta.pk.get_db_prep_value(response_id, connection))
    sql = f"""
        INSERT INTO {_table(ResponseScore)} (round_id, unit_id, dimension, score)
        WITH per_dimension AS (
            SELECT a.response_id AS response_id, a.unit_id AS unit_id, i.dimension AS dimension,
                   CASE WHEN SUM(CASE WHEN a.value = 0 THEN 0 ELSE 1 END) > 0
                         AND 2 * SUM(CASE WHEN a.value = 0 THEN 0 ELSE 1 END) >= COUNT(*)
                        THEN CAST((5000 * SUM(CASE WHEN a.value = 0 THEN 0
                                                   WHEN i.reverse_scored THEN 5 - a.value
                                                   ELSE a.value - 1 END)
                                   + SUM(CASE WHEN a.value = 0 THEN 0 ELSE 1 END))
                                  / (2 * SUM(CASE WHEN a.value = 0 THEN 0 ELSE 1 END))
                                  AS INTEGER)
                   END AS score
            FROM {_table(Answer)} a JOIN {_table(Item)} i ON i.id = a.item_id
            WHERE {condition}
            GROUP BY a.response_id, a.unit_id, i.dimension
        )
        SELECT %s, unit_id, dimension, score FROM per_dimension WHERE score IS NOT NULL
        UNION ALL
        SELECT %s, unit_id, '',
               CASE WHEN 2 * COUNT(score) >= (
                        SELECT COUNT(DISTINCT qi_item.dimension)
                        FROM {_table(QuestionnaireItem)} qi
                        JOIN {_table(Item)} qi_item ON qi_item.id = qi.item_id
                        JOIN {_table(SurveyRound)} r ON r.questionnaire_id = qi.questionnaire_id
                        WHERE r.id = %s)
                    THEN (2 * SUM(score) + COUNT(score)) / (2 * COUNT(score)) END
        FROM per_dimension
        GROUP BY response_id, unit_id
    """  # noqa: S608 (table names from the models; every value is a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, round_id, round_id, round_id])


def score_response(*, round_id: int, response_id: object) -> None:
    """Score one stored response (called in the submit's transaction)."""
    _insert_scores(round_id=round_id, response_id=response_id)


def ensure_round_scored(*, round_id: int) -> bool:
    """Score the whole round again when its scores do not match its responses (one index row
    per response). Returns whether it rescored."""
    with transaction.atomic():
        # One scorer per round: two aggregations at once (a close and the reconciler, a
        # redelivered task) would otherwise both insert every score and double the counts.
        list(SurveyRound.objects.select_for_update().filter(pk=round_id).values_list("pk"))
        responses = Response.objects.filter(round_id=round_id).count()
        scored = ResponseScore.objects.filter(round_id=round_id, dimension="").count()
        if responses == scored:
            return False
        ResponseScore.objects.filter(round_id=round_id).delete()
        _insert_scores(round_id=round_id)
        return True
