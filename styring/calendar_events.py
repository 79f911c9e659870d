"""Review dates of governance in the personal calendar (organisation/calendar.py).

Which instruments is `access.calendar_instruments_filter`: those the person is the named owner
of and those they may edit, not retired. Each gives its own review date, and each area decision
still in force (no later decision covers its area) gives the next review it set for that area.
A whole-instrument decision's next review is the instrument's review date, so it is not listed
twice. Two queries, whatever the number of instruments and decisions.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from organisation import access, calendar
from organisation.calendar import CalendarEvent
from organisation.models import User
from styring.models import Decision, Instrument


def _current_area_decisions(decisions: list[Decision]) -> list[Decision]:
    """The area decisions (oldest first in `decisions`, one instrument's) that no later decision
    supersedes, as `styring.queries.applied_to` reads them: the last covering one wins."""
    current = []
    for index, decision in enumerate(decisions):
        if decision.area_id is None:
            continue
        path = decision.area.path
        later = decisions[index + 1 :]
        if not any(other.area_id is None or path.startswith(other.area.path) for other in later):
            current.append(decision)
    return current


def review_events(user: User) -> Iterator[CalendarEvent]:
    instruments = list(
        Instrument.objects.exclude(status=Instrument.Status.RETIRED)
        .filter(access.calendar_instruments_filter(user))
        .select_related("owner_unit")
        .order_by("pk")
    )
    by_id = {instrument.pk: instrument for instrument in instruments}
    decisions: dict[int, list[Decision]] = {pk: [] for pk in by_id}
    for decision in (
        Decision.objects.filter(instrument_id__in=list(by_id))
        .select_related("area")
        .order_by("decided_on", "pk")
    ):
        decisions[decision.instrument_id].append(decision)
    for instrument in instruments:
        link = reverse("styring:instrument", args=[instrument.pk])
        if instrument.review_on is not None:
            yield CalendarEvent(
                uid=f"instrument-{instrument.pk}",
                date=instrument.review_on,
                summary=_("Review: %(title)s") % {"title": instrument.title},
                description=_("Governance instrument owned by %(unit)s.")
                % {"unit": instrument.owner_unit.name},
                url=link,
            )
        for decision in _current_area_decisions(decisions[instrument.pk]):
            if decision.review_on is None:
                continue
            yield CalendarEvent(
                uid=f"decision-{decision.pk}",
                date=decision.review_on,
                summary=_("Review in %(area)s: %(title)s")
                % {"area": decision.area.name, "title": instrument.title},
                description=_("%(decision)s decided on %(date)s by %(decision_maker)s.")
                % {
                    "decision": decision.get_kind_display(),
                    "date": date_format(decision.decided_on, "SHORT_DATE_FORMAT"),
                    "decision_maker": decision.decision_maker,
                },
                url=link,
            )


calendar.register("styring.reviews", review_events)
