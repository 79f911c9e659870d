"""Due dates of open actions in the personal calendar (organisation/calendar.py).

Which actions is `access.calendar_actions_filter`: those the person owns, those of the units
they lead and of their own MED committees. One query, whatever the number of actions.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _

from organisation import access, calendar
from organisation.calendar import CalendarEvent
from organisation.models import User
from socialkapital.models import Action


def action_events(user: User) -> Iterator[CalendarEvent]:
    actions = (
        Action.objects.open()
        .filter(access.calendar_actions_filter(user))
        .select_related("unit", "committee")
        .order_by("due_on", "pk")
    )
    for action in actions:
        where = str(action.unit or action.committee or "")
        yield CalendarEvent(
            uid=f"action-{action.pk}",
            date=action.due_on,
            summary=_("Action due: %(title)s") % {"title": action.title},
            description=(
                _("%(where)s. Status: %(status)s.")
                % {"where": where, "status": action.get_status_display()}
            ),
            url=reverse("socialkapital:action", args=[action.pk]),
        )


calendar.register("socialkapital.actions", action_events)
