"""E-mail reminders of governance reviews (the Celery task `styring.remind_due_reviews`).

The named owner of an instrument in force (active or under review) whose review date is at most
`REMIND_DAYS_AHEAD` days away, or has passed, gets one e-mail listing all such instruments of
theirs. Each review date is reminded once: the date reminded of is stored in
`Instrument.review_reminded_for`, so a review date that changes (a decision sets the next one)
gives a new reminder. Owners without an e-mail address, or no longer active, are skipped and
keep their reminder for when they have one.

The claim (setting `review_reminded_for`) is a compare-and-set update in the same transaction as
the sending, on rows locked for it: a task delivered twice sends one e-mail, and a failed
sending leaves nothing claimed for the retry.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from organisation.models import User
from styring.models import Instrument, InstrumentQuerySet

__all__ = ["REMIND_DAYS_AHEAD", "review_reminder_owner_ids", "review_reminder_send"]

# Two weeks is time enough to put the review on a leadership meeting's agenda.
REMIND_DAYS_AHEAD = 14


def _not_yet_reminded(today: datetime.date) -> Q:
    return Q(
        review_on__isnull=False,
        review_on__lte=today + datetime.timedelta(days=REMIND_DAYS_AHEAD),
    ) & (Q(review_reminded_for__isnull=True) | ~Q(review_reminded_for=F("review_on")))


def _due(today: datetime.date) -> InstrumentQuerySet:
    """Instruments whose owner is to be reminded now."""
    return (
        Instrument.objects.in_force()
        .filter(_not_yet_reminded(today), owner__isnull=False, owner__is_active=True)
        .exclude(owner__email="")
    )


def review_reminder_owner_ids(*, today: datetime.date) -> list[int]:
    """The owners to remind today, in one query."""
    return sorted(set(_due(today).values_list("owner_id", flat=True)))


def _link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(*, to: str, context: dict[str, Any]) -> None:
    """Render and send the e-mail. Users keep no language of their own, so it is in the
    product's language (Danish) with an English part below, as the other e-mails; SMTP errors
    propagate for the task to retry."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(
            render_to_string("styring/email/review_due_subject.txt", context).split()
        )
        body = render_to_string("styring/email/review_due_body.txt", context)
    EmailMessage(subject=subject, body=body, to=[to]).send()


def review_reminder_send(*, owner_id: int, today: datetime.date | None = None) -> bool:
    """E-mail one owner the instruments whose review they have not been reminded of; returns
    whether an e-mail was sent."""
    today = today or timezone.localdate()
    with transaction.atomic():
        owner = User.objects.filter(pk=owner_id, is_active=True).exclude(email="").first()
        if owner is None:
            return False
        instruments = list(
            _due(today)
            .filter(owner=owner)
            .select_related("owner_unit")
            .select_for_update(of=("self",))
            .order_by("review_on", "title", "pk")
        )
        if not instruments:
            return False
        claimed = (
            Instrument.objects.filter(pk__in=[instrument.pk for instrument in instruments])
            .filter(_not_yet_reminded(today))
            .update(review_reminded_for=F("review_on"))
        )
        if not claimed:
            return False
        _send(
            to=owner.email,
            context={
                "owner_name": owner.get_full_name(),
                "instruments": [
                    {
                        "title": instrument.title,
                        "unit": instrument.owner_unit.name,
                        "review_on": instrument.review_on,
                        "passed": instrument.review_on < today,
                        "link": _link(reverse("styring:instrument", args=[instrument.pk])),
                    }
                    for instrument in instruments
                ],
                "review_link": _link(reverse("styring:review")),
                "calendar_link": _link(reverse("organisation:calendar")),
                "days": REMIND_DAYS_AHEAD,
            },
        )
    return True
