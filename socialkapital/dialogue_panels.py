"""The dialogue panels: meetings and actions on the unit results page (results_panels) and on
the MED committee page (committee_panels).

Each shows the meetings and actions of the round on the page, and the open actions of earlier
rounds to follow up ("from earlier rounds"), with a link to record a meeting for those who may.
The panel is left out (None) for anyone who may not read the unit's or committee's dialogue.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from organisation import access
from organisation.models import MedCommittee
from organisation.panels import Panel, committee_panels
from socialkapital.dialogue_views import (
    earlier_open_actions,
    pick_round,
    round_actions,
    round_dialogues,
)
from socialkapital.panels import ResultsPage, results_panels
from socialkapital.services.dialogue import committee_rounds_with_results


def unit_dialogue_context(request: HttpRequest, page: ResultsPage) -> dict[str, Any] | None:
    unit, survey_round = page.unit, page.round
    if not access.can_view_dialogue(request.user, unit=unit, committee=None):
        return None
    can_record = survey_round is not None and access.can_record_unit_dialogue(request.user, unit)
    return {
        "unit": unit,
        "survey_round": survey_round,
        "dialogues": round_dialogues(survey_round, unit=unit) if survey_round else [],
        "actions": round_actions(survey_round, unit=unit) if survey_round else [],
        "earlier_actions": earlier_open_actions(survey_round, unit=unit),
        "create_url": (
            reverse("socialkapital:unit_dialogue_create", args=[unit.pk])
            + f"?runde={survey_round.pk}"
            if can_record
            else None
        ),
    }


def committee_dialogue_context(
    request: HttpRequest, committee: MedCommittee
) -> dict[str, Any] | None:
    """The round is the one the page shows (`?runde=`, as the committee's results panel), or
    else the latest closed round with results."""
    if not access.can_view_dialogue(request.user, unit=None, committee=committee):
        return None
    rounds = committee_rounds_with_results(committee)
    survey_round = pick_round(rounds, request.GET.get("runde")) or rounds.first()
    earlier = earlier_open_actions(survey_round, committee=committee)
    if survey_round is None and not earlier:
        return None
    can_record = survey_round is not None and access.can_record_committee_dialogue(
        request.user, committee
    )
    return {
        "committee": committee,
        "survey_round": survey_round,
        "dialogues": round_dialogues(survey_round, committee=committee) if survey_round else [],
        "actions": round_actions(survey_round, committee=committee) if survey_round else [],
        "earlier_actions": earlier,
        "create_url": (
            reverse("socialkapital:committee_dialogue_create", args=[committee.pk])
            + f"?runde={survey_round.pk}"
            if can_record
            else None
        ),
    }


results_panels.register(
    Panel("dialogue", "socialkapital/panels/unit_dialogue.html", unit_dialogue_context, order=50)
)
committee_panels.register(
    Panel(
        "dialogue",
        "socialkapital/panels/committee_dialogue.html",
        committee_dialogue_context,
        order=30,
    )
)
