"""The decisions panel on an instrument's page (/styring/<id>/): the history of intensity and
review decisions, newest first, with what each did to the time cost and the hours per year it
freed, and a link to record a decision for those who may decide."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from organisation import access
from styring.models import Decision, Instrument
from styring.panels import Panel, instrument_panels


def decisions_panel(request: HttpRequest, instrument: Instrument) -> dict[str, Any] | None:
    if not access.can_browse_governance(request.user):
        return None
    decisions = list(
        Decision.objects.filter(instrument=instrument)
        .select_related("area")
        .order_by("-decided_on", "-pk")
    )
    return {
        "decisions": decisions,
        "can_decide": access.can_decide_on_instrument(request.user, instrument)
        and instrument.status != Instrument.Status.RETIRED,
    }


instrument_panels.register(
    Panel("decisions", "styring/panels/decisions.html", decisions_panel, order=30)
)
