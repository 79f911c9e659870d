"""Social-capital results in the open-data API, for personal API keys.

A key sees the rounds and units its user may see on the results pages and in the exports
(`exports.rounds_for_user`, `exports.visible_round_units`, and through them
`access.results_units_filter`), with the figures of the aggregated `Result` rows only, as the
exports show them: a suppressed row keeps its flag and carries no figure at all (every figure
null), so nothing built from fewer than k responses, nor anything a small group could be
worked out from, leaves the database this way either (DESIGN.md, "Anonymity"). No figure is
computed here; no difference or total across units is formed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from organisation import access
from organisation.api import (
    ApiPagination,
    KeyApiMixin,
    UnitRefSerializer,
    error_responses,
    require,
)
from organisation.models import OrgUnit
from socialkapital import exports
from socialkapital.models import Dimension, Result, SurveyRound
from socialkapital.questionnaire import dimension_rank

TAG = "Social-capital results (API key)"
ROUND_PARAMETER = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The round's id.")
# The largest id a database integer holds: a larger one is no valid id (400, not a crash).
MAX_ID = 2**63 - 1

_MEASURE_ORDER = [Result.Measure.INDEX, Result.Measure.DIMENSION, Result.Measure.ITEM]
_FIGURES = ("n", "mean", "sd", "ci_low", "ci_high", "favourable_percent", "distribution")


def _rounds(request: Request) -> QuerySet[SurveyRound]:
    require(
        access.can_browse_results(request.user),
        _("Your roles give you no social-capital results to look at."),
    )
    return exports.rounds_for_user(request.user)


def _round(request: Request, pk: int) -> SurveyRound:
    survey_round = exports.pick_round(_rounds(request), str(pk))
    if survey_round is None:
        raise exceptions.NotFound(_("There is no round with results for you with this id."))
    return survey_round


# --- Serializers ----------------------------------------------------------------------------


class RoundSerializer(serializers.ModelSerializer):
    scope = UnitRefSerializer(help_text="Everyone in this unit and the units below it was asked.")
    min_group_size = serializers.IntegerField(
        help_text="k: no figure from fewer responses is shown, and none that would reveal one."
    )

    class Meta:
        model = SurveyRound
        fields = [
            "id",
            "name",
            "scope",
            "opens_at",
            "closes_at",
            "min_group_size",
            "min_group_size_agreed_by",
            "results_computed_at",
        ]


class ResultRowSerializer(serializers.Serializer):
    """One figure set: the index, a dimension or a statement, for the unit's whole subtree or
    its own responses only. A suppressed row has every figure null."""

    cell = serializers.ChoiceField(
        choices=Result.Cell.choices,
        help_text="subtree: the unit and every unit below it; own: only people placed in it.",
    )
    measure = serializers.ChoiceField(choices=Result.Measure.choices)
    key = serializers.CharField(help_text='"index", "dimension:<dimension>" or "item:<code>".')
    code = serializers.CharField(source="api_code")
    dimension = serializers.ChoiceField(choices=Dimension.choices, allow_blank=True)
    text = serializers.CharField(source="api_text", help_text="In the active language.")
    suppressed = serializers.BooleanField(source="hidden")
    n = serializers.IntegerField(allow_null=True, help_text="Responses.")
    mean = serializers.FloatField(allow_null=True, help_text="On 0–100.")
    sd = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True, help_text="95% confidence interval.")
    ci_high = serializers.FloatField(allow_null=True)
    favourable_percent = serializers.FloatField(source="api_favourable", allow_null=True)
    distribution = serializers.ListField(
        child=serializers.IntegerField(),
        min_length=5,
        max_length=5,
        allow_null=True,
        help_text="Answers (or respondents' scores, rounded) at 0, 25, 50, 75 and 100.",
    )

    def to_representation(self, instance: Result) -> dict[str, Any]:
        data = super().to_representation(instance)
        if instance.hidden:
            # The database already holds no figure for a hidden row (a check constraint);
            # whatever it held, none is passed on.
            data.update(dict.fromkeys(_FIGURES))
        return data


class UnitResultsSerializer(serializers.ModelSerializer):
    level = serializers.IntegerField(source="depth", help_text="1 is the municipality.")
    parent = UnitRefSerializer(source="api_parent", allow_null=True)
    placement = serializers.CharField(
        source="api_placement", help_text="The unit's place in the organisation, from the top."
    )
    results = ResultRowSerializer(source="api_results", many=True)

    class Meta:
        model = OrgUnit
        fields = ["id", "name", "level", "parent", "placement", "results"]


class UnitsQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Only this unit and the units below it (its id).",
    )
    items = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also every statement, not only the index and the dimensions.",
    )


# --- Reads ----------------------------------------------------------------------------------


def _attach_results(survey_round: SurveyRound, units: list[OrgUnit], *, items: bool) -> None:
    """Each unit's result rows in the round (`api_results`, in the exports' order: the subtree
    cell before the own cell, the index, the dimensions, the statements), its parent and its
    placement. Two queries however many units."""
    measures = _MEASURE_ORDER if items else _MEASURE_ORDER[:2]
    rows: dict[int, list[Result]] = {unit.pk: [] for unit in units}
    for row in (
        Result.objects.filter(round=survey_round, unit__in=list(rows), measure__in=measures)
        .select_related("item")
        .order_by()
    ):
        row.api_code = exports.measure_code(row)
        row.api_text = exports.measure_label(row)
        row.api_favourable = (
            None if row.hidden or row.favourable is None else round(row.favourable * 100, 2)
        )
        rows[row.unit_id].append(row)
    paths = {path for unit in units for path in unit.ancestor_paths()}
    ancestors = {unit.path: unit for unit in OrgUnit.objects.filter(path__in=paths)}
    for unit in units:
        unit.api_results = sorted(
            rows[unit.pk],
            key=lambda row: (
                row.cell != Result.Cell.SUBTREE,
                _MEASURE_ORDER.index(row.measure),
                dimension_rank(row.dimension),
                row.key,
            ),
        )
        above = [ancestors[path] for path in unit.ancestor_paths() if path in ancestors]
        unit.api_parent = above[-1] if above else None
        unit.api_placement = " / ".join([*(a.name for a in above), unit.name])


# --- Views ----------------------------------------------------------------------------------


@extend_schema(
    tags=[TAG],
    summary="Rounds with results you may see",
    description=(
        "Closed, aggregated rounds in which the key's owner may see at least one unit's "
        "results, newest first."
    ),
    responses={200: RoundSerializer(many=True), **error_responses(401, 403, 404)},
)
class RoundListView(KeyApiMixin, ListAPIView):
    serializer_class = RoundSerializer
    pagination_class = ApiPagination

    def get_queryset(self) -> QuerySet[SurveyRound]:
        return _rounds(self.request)


@extend_schema(
    tags=[TAG],
    summary="One round",
    description="A round with results the key's owner may see, with its minimum group size k.",
    parameters=[ROUND_PARAMETER],
    responses={200: RoundSerializer, **error_responses(401, 403, 404)},
)
class RoundDetailView(KeyApiMixin, RetrieveAPIView):
    serializer_class = RoundSerializer

    def get_object(self) -> SurveyRound:
        return _round(self.request, self.kwargs["pk"])


@extend_schema(
    tags=[TAG],
    summary="Results of a round, unit by unit",
    description=(
        "The units of the round whose results the key's owner may see (as on the results "
        "pages and in the exports), in the order of the organisation, each with its result "
        "rows. A suppressed row has `suppressed` true and every figure null: fewer than k "
        "responses, or hidden so that a small group cannot be worked out by subtracting other "
        "figures. A unit or statement without a row had no responses."
    ),
    parameters=[ROUND_PARAMETER, UnitsQuerySerializer],
    responses={200: UnitResultsSerializer(many=True), **error_responses(400, 401, 403, 404)},
)
class RoundUnitsView(KeyApiMixin, ListAPIView):
    serializer_class = UnitResultsSerializer
    pagination_class = ApiPagination

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        survey_round = _round(request, self.kwargs["pk"])
        query = UnitsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        units = exports.visible_round_units(request.user, survey_round)
        if "unit" in query.validated_data:
            try:
                top = access.get_results_unit_or_404(request.user, query.validated_data["unit"])
            except Http404:
                raise exceptions.NotFound(
                    _("There is no unit with this id whose results you may see.")
                ) from None
            units = units.filter(path__startswith=top.path)
        items = query.validated_data["items"]
        measures = _MEASURE_ORDER if items else _MEASURE_ORDER[:2]
        with_rows = Result.objects.filter(
            round=survey_round, unit=OuterRef("pk"), measure__in=measures
        )
        page = self.paginate_queryset(units.filter(Exists(with_rows)).order_by("path"))
        _attach_results(survey_round, page, items=items)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
