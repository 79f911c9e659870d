"""Governance in the open-data API, for personal API keys: the overview per core task and per
directorate, and the register of instruments.

Both answer the key's user exactly as the pages do: the overview with 403 unless
`access.can_view_governance_overview` allows (politicians, top management, HR, MED), from
`styring.queries.overview.governance_overview`; the register for everyone signed in, filtered by
the register page's own filter form, with the justifications by core tasks the user may see.
Value signals are the overview's instrument-wide figures that passed the anonymity rules,
summed over a line; a line without any such figure says so (null) and shows none.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from kerneopgaver.api import CoreTaskRefSerializer
from organisation import access
from organisation.api import (
    ApiPagination,
    KeyApiMixin,
    UnitRefSerializer,
    error_responses,
    require,
)
from styring.forms import RegisterFilterForm
from styring.models import Decision, Instrument, Justification
from styring.queries.overview import Line, Overview, governance_overview

TAG = "Governance (API key)"

# --- The overview ---------------------------------------------------------------------------


class ValueSignalsSerializer(serializers.Serializer):
    instruments = serializers.IntegerField(
        help_text="Instruments of the line with an instrument-wide figure (enough signals)."
    )
    n = serializers.IntegerField(help_text="Value signals behind those figures.")
    helpful_share = serializers.IntegerField(
        allow_null=True,
        help_text="Percent saying the instruments help (yes or partly, of those who took a side).",
    )


DecisionCountsSerializer = type(
    "DecisionCountsSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "Decisions taken, by kind.",
        **{kind: serializers.IntegerField() for kind in Decision.Kind.values},
    },
)


class LineSerializer(serializers.Serializer):
    label = serializers.CharField()
    core_task = CoreTaskRefSerializer(allow_null=True)
    unit = UnitRefSerializer(allow_null=True, help_text="For a directorate's line.")
    instruments = serializers.IntegerField(help_text="Instruments in force.")
    justified = serializers.IntegerField(help_text="Of those, justified by a core task.")
    justified_share = serializers.IntegerField(allow_null=True, help_text="Percent.")
    minutes_per_employee = serializers.FloatField(
        allow_null=True, help_text="Average minutes per month for each employee concerned."
    )
    hours_per_year = serializers.FloatField()
    employees = serializers.IntegerField(help_text="Employees concerned.")
    value_signals = ValueSignalsSerializer(source="api_signals", allow_null=True)
    decisions = DecisionCountsSerializer(source="api_decisions")
    hours_freed = serializers.FloatField(source="freed")
    hours_added = serializers.FloatField(source="added")
    net_hours_freed = serializers.FloatField(source="net_freed")


class OverviewSerializer(serializers.Serializer):
    by_core_task = LineSerializer(
        many=True,
        help_text="An instrument that serves two core tasks counts under both; instruments "
        "without a justification have a line of their own.",
    )
    by_area = LineSerializer(many=True, help_text="The directorates below the municipality.")
    total = LineSerializer(help_text="The whole organisation.")


def _prepare(overview: Overview) -> Overview:
    for line in (*overview.by_core_task, *overview.by_area, overview.total):
        _prepare_line(line)
    return overview


def _prepare_line(line: Line) -> None:
    line.api_signals = line.signals if line.signals.instruments else None
    line.api_decisions = {kind: line.decision_counts.get(kind, 0) for kind in Decision.Kind.values}


@extend_schema(
    tags=[TAG],
    summary="The governance overview",
    description=(
        "Per core task and per directorate: instruments in force, the share justified by a "
        "core task, what they cost employees, what employees say of their value, and the "
        "decisions taken. For politicians, top management, HR and MED members (403 for "
        "others, as on the page)."
    ),
    responses={200: OverviewSerializer, **error_responses(401, 403)},
)
class GovernanceOverviewView(KeyApiMixin, RetrieveAPIView):
    serializer_class = OverviewSerializer

    def get_object(self) -> Overview:
        require(
            access.can_view_governance_overview(self.request.user),
            _("The governance overview is for politicians, top management, HR and MED members."),
        )
        return _prepare(governance_overview(self.request.user))


# --- The register ---------------------------------------------------------------------------


class JustificationSerializer(serializers.ModelSerializer):
    core_task = CoreTaskRefSerializer()

    class Meta:
        model = Justification
        fields = ["core_task", "how"]


class InstrumentSerializer(serializers.ModelSerializer):
    owner_unit = UnitRefSerializer()
    applies_to = UnitRefSerializer(many=True, help_text="With every unit below them.")
    justified = serializers.BooleanField(
        source="api_justified", help_text="Justified by at least one core task."
    )
    legal_duty_with_reference = serializers.BooleanField(source="is_legal_duty_with_reference")
    justifications = JustificationSerializer(
        source="api_justifications",
        many=True,
        help_text="By the core tasks the key's owner may see.",
    )

    class Meta:
        model = Instrument
        fields = [
            "id",
            "title",
            "description",
            "kind",
            "origin",
            "legal_basis",
            "mandatory",
            "status",
            "owner_unit",
            "applies_to",
            "minutes_per_month",
            "review_on",
            "justified",
            "legal_duty_with_reference",
            "justifications",
        ]


_FILTERS = [
    OpenApiParameter("q", str, description="Words in the title, description or legal basis."),
    OpenApiParameter("kind", str, enum=Instrument.Kind.values),
    OpenApiParameter("origin", str, enum=Instrument.Origin.values),
    OpenApiParameter("status", str, enum=Instrument.Status.values),
    OpenApiParameter(
        "unit",
        OpenApiTypes.INT,
        description="Instruments that apply to this unit (listed on it or on a unit above it).",
    ),
    OpenApiParameter(
        "core_task", OpenApiTypes.INT, description="Instruments justified by this core task."
    ),
]


@extend_schema(
    tags=[TAG],
    summary="The governance register",
    description=(
        "Every instrument, as the register page lists it to the key's owner, ordered by title; "
        "with the register's filters. A filter value the page would not offer is a 400."
    ),
    parameters=_FILTERS,
    responses={200: InstrumentSerializer(many=True), **error_responses(400, 401, 403, 404)},
)
class InstrumentListView(KeyApiMixin, ListAPIView):
    serializer_class = InstrumentSerializer
    pagination_class = ApiPagination

    def get_queryset(self) -> QuerySet[Instrument]:
        user = self.request.user
        require(access.can_browse_governance(user), _("The register is for people signed in."))
        form = RegisterFilterForm(self.request.query_params or None, user=user)
        if form.is_bound and not form.is_valid():
            raise exceptions.ValidationError(
                {
                    name: [e["message"] for e in errors]
                    for name, errors in form.errors.get_json_data().items()
                }
            )
        return (
            form.filter(Instrument.objects.all())
            .select_related("owner_unit")
            .prefetch_related(
                "applies_to",
                Prefetch(
                    "justifications",
                    queryset=Justification.objects.select_related("core_task").order_by(
                        "core_task__title", "pk"
                    ),
                ),
            )
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        for instrument in page:
            justifications = list(instrument.justifications.all())
            instrument.api_justified = bool(justifications)
            instrument.api_justifications = [
                j for j in justifications if access.can_view_core_task(request.user, j.core_task)
            ]
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
