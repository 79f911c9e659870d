"""The public part of the open-data API: the adopted vision and the adopted core tasks with
their effect indicators and values over time. No key is needed, and a key changes nothing: open
data is what a visitor who is not signed in sees on the pages
(`access.open_data_core_task_filter`, `access.open_data_vision_filter`), so nothing in draft or
in dialogue is ever served here.

Indicator status and latest value come from `kerneopgaver.indicators`, as on the pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from kerneopgaver import queries
from kerneopgaver.indicators import indicators_with_status, values_by_indicator
from kerneopgaver.models import Contribution, CoreTask, EffectIndicator, IndicatorValue, Vision
from organisation import access
from organisation.api import ApiPagination, PublicApiMixin, UnitRefSerializer, error_responses
from organisation.models import OrgUnit

TAG = "Vision and core tasks (public)"
ID_PARAMETER = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The core task's id.")


def _vision_queryset() -> QuerySet[Vision]:
    return Vision.objects.filter(access.open_data_vision_filter()).order_by(
        "-adopted_on", "-version"
    )


def _core_task_queryset() -> QuerySet[CoreTask]:
    return CoreTask.objects.filter(access.open_data_core_task_filter()).order_by("title", "pk")


def _with_indicators(tasks: Sequence[CoreTask], *, values: bool) -> None:
    """Attach to each task its indicators (`api_indicators`), each with its status and latest
    value as the pages show them and, with `values`, every value oldest first. A fixed number
    of queries however many tasks and indicators."""
    summaries = indicators_with_status(task.pk for task in tasks)
    indicators = [summary.indicator for found in summaries.values() for summary in found]
    history = values_by_indicator(i.pk for i in indicators) if values else {}
    units = OrgUnit.objects.in_bulk({i.unit_id for i in indicators if i.unit_id})
    for task in tasks:
        task.api_indicators = []
        for summary in summaries.get(task.pk, []):
            indicator = summary.indicator
            indicator.api_status = summary.status
            indicator.api_latest = summary.latest
            indicator.api_unit = units.get(indicator.unit_id)
            indicator.api_values = history.get(indicator.pk, [])
            task.api_indicators.append(indicator)
        task.api_indicators.sort(key=lambda i: (i.kind, i.name, i.pk))


# --- Serializers ----------------------------------------------------------------------------


class VisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vision
        fields = ["id", "version", "title", "narrative", "adopted_on", "council_decision"]


class CoreTaskRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = CoreTask
        fields = ["id", "title"]


class IndicatorValueSerializer(serializers.ModelSerializer):
    value = serializers.DecimalField(max_digits=14, decimal_places=3, coerce_to_string=False)

    class Meta:
        model = IndicatorValue
        fields = ["period", "value", "story"]


class IndicatorSerializer(serializers.ModelSerializer):
    """An effect indicator with baseline, direction, target, status and latest value."""

    baseline_value = serializers.DecimalField(
        max_digits=14, decimal_places=3, coerce_to_string=False
    )
    target_value = serializers.DecimalField(
        max_digits=14, decimal_places=3, coerce_to_string=False, allow_null=True
    )
    measured_unit = UnitRefSerializer(
        source="api_unit", allow_null=True, help_text="For unit measures: the unit measured."
    )
    status = serializers.ChoiceField(
        source="api_status",
        choices=EffectIndicator.Status.choices,
        help_text="From the latest value, the direction, the target and the target date.",
    )
    latest_value = IndicatorValueSerializer(source="api_latest", allow_null=True)

    class Meta:
        model = EffectIndicator
        fields = [
            "id",
            "name",
            "description",
            "kind",
            "measure_type",
            "measured_unit",
            "data_source",
            "unit_label",
            "baseline_value",
            "baseline_period",
            "direction",
            "target_value",
            "target_date",
            "status",
            "latest_value",
        ]


class IndicatorWithValuesSerializer(IndicatorSerializer):
    values = IndicatorValueSerializer(
        source="api_values", many=True, help_text="Every value, oldest period first."
    )

    class Meta(IndicatorSerializer.Meta):
        fields = [*IndicatorSerializer.Meta.fields, "values"]


_CORE_TASK_FIELDS = [
    "id",
    "title",
    "purpose",
    "desired_effect",
    "citizen_contribution",
    "partners",
    "political_owner",
    "adopted_on",
    "council_decision",
]


class CoreTaskSerializer(serializers.ModelSerializer):
    """An adopted core task with its indicators (without their values; see the detail)."""

    indicators = IndicatorSerializer(source="api_indicators", many=True)

    class Meta:
        model = CoreTask
        fields = [*_CORE_TASK_FIELDS, "indicators"]


class ContributionSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer()

    class Meta:
        model = Contribution
        fields = ["unit", "how"]


class CoreTaskDetailSerializer(serializers.ModelSerializer):
    """An adopted core task with its contributing units, the adopted core tasks it depends on
    and that depend on it, and its indicators with every value."""

    indicators = IndicatorWithValuesSerializer(source="api_indicators", many=True)
    contributions = ContributionSerializer(source="api_contributions", many=True)
    depends_on = CoreTaskRefSerializer(source="api_depends_on", many=True)
    depended_on_by = CoreTaskRefSerializer(source="api_depended_on_by", many=True)

    class Meta:
        model = CoreTask
        fields = [
            *_CORE_TASK_FIELDS,
            "contributions",
            "depends_on",
            "depended_on_by",
            "indicators",
        ]


# --- Views ----------------------------------------------------------------------------------


@extend_schema(
    tags=[TAG],
    summary="The vision in force",
    description="The most recently adopted version of the vision with its core narrative.",
    responses={200: VisionSerializer, **error_responses(401, 404)},
)
class VisionCurrentView(PublicApiMixin, RetrieveAPIView):
    serializer_class = VisionSerializer

    def get_object(self) -> Vision:
        vision = _vision_queryset().first()
        if vision is None:
            raise exceptions.NotFound(_("No vision has been adopted yet."))
        return vision


@extend_schema(
    tags=[TAG],
    summary="Every adopted version of the vision",
    description="Newest first; earlier versions stay readable once a new one is adopted.",
    responses={200: VisionSerializer(many=True), **error_responses(401, 404)},
)
class VisionVersionsView(PublicApiMixin, ListAPIView):
    serializer_class = VisionSerializer
    pagination_class = ApiPagination

    def get_queryset(self) -> QuerySet[Vision]:
        return _vision_queryset()


@extend_schema(
    tags=[TAG],
    summary="The adopted core tasks",
    description=(
        "Each with purpose, desired effect, citizens' own contribution and its effect "
        "indicators (baseline, direction, target, status and latest value). Ordered by title."
    ),
    responses={200: CoreTaskSerializer(many=True), **error_responses(401, 404)},
)
class CoreTaskListView(PublicApiMixin, ListAPIView):
    serializer_class = CoreTaskSerializer
    pagination_class = ApiPagination

    def get_queryset(self) -> QuerySet[CoreTask]:
        return _core_task_queryset()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        _with_indicators(page, values=False)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(
    tags=[TAG],
    summary="One adopted core task",
    description=(
        "The core task with its contributing units, the adopted core tasks it depends on and "
        "that depend on it, and its effect indicators with every value and the story behind "
        "the curve. A core task that is not adopted is a 404."
    ),
    parameters=[ID_PARAMETER],
    responses={200: CoreTaskDetailSerializer, **error_responses(401, 404)},
)
class CoreTaskDetailView(PublicApiMixin, RetrieveAPIView):
    serializer_class = CoreTaskDetailSerializer

    def get_object(self) -> CoreTask:
        task = _core_task_queryset().filter(pk=self.kwargs["pk"]).first()
        if task is None:
            raise exceptions.NotFound(_("There is no adopted core task with this id."))
        _with_indicators([task], values=True)
        task.api_contributions = list(
            Contribution.objects.filter(core_task=task).select_related("unit")
        )
        # Related core tasks as far as a visitor may see them: open data only.
        task.api_depends_on, task.api_depended_on_by = queries.dependencies(AnonymousUser(), task)
        return task
