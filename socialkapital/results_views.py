"""Results dashboards: a unit's results page and the organisation overview. The leader's
heatmap is the index page (views.index).

Thin: access from `organisation.access`, figures from `socialkapital.queries` (which reads the
aggregated Result rows only), panels from the registries.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from organisation import access
from socialkapital import queries
from socialkapital.panels import ResultsPage, results_panels


@login_required
@require_safe
def unit_results(request: HttpRequest, pk: int) -> HttpResponse:
    """One unit's results in a round: scores with confidence intervals, items, trend, the
    comparison with the parent and the municipality, response rate, and drill-down."""
    unit = access.get_results_unit_or_404(request.user, pk)
    page = queries.unit_results(request.user, unit, request.GET.get("runde"))
    return render(
        request,
        "socialkapital/results/unit.html",
        {
            "page": page,
            "unit": unit,
            "survey_round": page.survey_round,
            "columns": queries.columns(),
            "panels": results_panels.render(
                request, ResultsPage(unit=unit, round=page.survey_round)
            ),
        },
    )


@login_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """The municipality, its directorates and areas across the dimensions, for top management,
    the Hoved-MED, HR and politicians."""
    access.require(access.can_view_results_overview(request.user))
    return render(
        request,
        "socialkapital/results/overview.html",
        {"overview": queries.overview(request.user, request.GET.get("runde"))},
    )
