"""Panels of the socialkapital pages that other parts of the app add to (organisation/panels.py).

`results_panels` is the unit results page (/socialkapital/resultater/<unit>/): its view renders
`results_panels.render(request, ResultsPage(unit=..., round=...))`, and e.g. the dialogue and
actions of that unit and round register a panel here.
"""

from __future__ import annotations

from dataclasses import dataclass

from organisation.models import OrgUnit
from organisation.panels import Panel, PanelRegistry
from socialkapital.models import SurveyRound

__all__ = ["Panel", "ResultsPage", "results_panels"]


@dataclass(frozen=True)
class ResultsPage:
    """What a panel on the unit results page is given: the unit and the round shown (None when
    the unit has no aggregated round yet)."""

    unit: OrgUnit
    round: SurveyRound | None


results_panels = PanelRegistry("unit results page")
