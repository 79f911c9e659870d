"""The results panel on the MED committee page (/med/<pk>/): a compact heatmap of the units the
committee covers for the latest round with results (or the one chosen with `?runde=`), with
links to the meeting print and the exports. Dialogue and actions are another panel
(socialkapital/dialogue_panels.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from organisation import access
from organisation.models import MedCommittee
from organisation.panels import Panel, committee_panels
from socialkapital import exports


def committee_results_context(
    request: HttpRequest, committee: MedCommittee
) -> dict[str, Any] | None:
    if not access.can_view_committee_results(request.user, committee):
        return None
    rounds = list(exports.rounds_covering(exports.committee_paths(committee)))
    if not rounds:
        return None
    chosen = request.GET.get("runde", "")
    # A round id that is not one of these falls back to the newest: the panel is part of a
    # page that must render whatever is in its address.
    survey_round = next((r for r in rounds if str(r.pk) == chosen), rounds[0])
    units = exports.committee_units(request.user, committee)
    heatmap = exports.heatmap(
        survey_round,
        units,
        levels_below=exports.PANEL_LEVELS_BELOW,
        max_rows=exports.PANEL_MAX_ROWS,
    )
    covers = [
        cover
        for cover in committee.covers.order_by("path")
        if access.can_view_results(request.user, cover)
    ]
    return {
        "committee": committee,
        "survey_round": survey_round,
        "rounds": rounds,
        "heatmap": heatmap,
        "covers": covers,
    }


committee_panels.register(
    Panel(
        name="socialkapital_results",
        template="socialkapital/panels/committee_results.html",
        context=committee_results_context,
        order=20,
    )
)
