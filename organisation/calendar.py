"""The personal calendar address: due dates and review dates as an iCalendar feed.

A user makes a secret address (`/kalender/<secret>.ics`) and subscribes to it in Outlook, Google
or Apple calendar, which then polls it without signing in: the secret is the authentication.
Only a SHA-256 digest of the secret is stored, so the address is shown once, when it is made;
making a new one replaces (revokes) the old, and stopping deletes it.

The organisation app imports none of the apps above it, so the events come from providers that
those apps register from their AppConfig.ready() (as `navigation` and `panels`): a provider is a
function `(user) -> iterable of CalendarEvent` that lists the dates that user may see, in a fixed
number of queries however many events there are. Events are all-day, dates only.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from organisation import access
from organisation.models import CalendarFeed, User

__all__ = [
    "CalendarEvent",
    "calendar_bytes",
    "calendar_feed_create",
    "calendar_feed_lookup",
    "calendar_feed_revoke",
    "calendar_feed_touch",
    "events_for",
    "feed_url",
    "register",
]

PRODID = "-//Kerneopgaver//Kalender//DA"
# secrets.token_urlsafe(32): 32 random bytes, 43 characters. Anything much longer is not ours
# and is refused before it is hashed.
SECRET_BYTES = 32
MAX_SECRET_LENGTH = 64
# Calendar programs poll every few minutes to every day; writing last_used_at on each poll would
# be a write per poll for a date nobody needs to the minute.
TOUCH_INTERVAL = datetime.timedelta(hours=1)
# How often a calendar program should fetch the address again (a hint; most follow their own).
REFRESH_INTERVAL = datetime.timedelta(hours=6)
# The reminder shows at 09:00 the day before an all-day event.
ALARM_BEFORE = datetime.timedelta(hours=15)


@dataclass(frozen=True)
class CalendarEvent:
    """One all-day event. `uid` is stable and unique across providers (e.g. "action-12"; the
    host is added), `url` a path in the app or an absolute URL."""

    uid: str
    date: datetime.date
    summary: str
    description: str
    url: str


EventProvider = Callable[[User], Iterable[CalendarEvent]]

_providers: dict[str, EventProvider] = {}


def register(name: str, provider: EventProvider) -> None:
    """Add (or replace) the provider called `name`; apps call it from AppConfig.ready()."""
    _providers[name] = provider


def events_for(user: User) -> list[CalendarEvent]:
    """Every provider's events for `user`, by date; nothing for an inactive user."""
    if not access.can_use_calendar_feed(user):
        return []
    events = [event for name in sorted(_providers) for event in _providers[name](user)]
    return sorted(events, key=lambda event: (event.date, event.summary, event.uid))


# --- The secret address ---------------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def feed_url(secret: str) -> str:
    """The full address to subscribe to (https in production, from SITE_URL)."""
    return urljoin(settings.SITE_URL, reverse("calendar_feed", args=[secret]))


@transaction.atomic
def calendar_feed_create(*, user: User) -> str:
    """Make a new secret address for `user`, replacing (revoking) any earlier one, and return
    the secret. It is not stored: show it now or never."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    CalendarFeed.objects.update_or_create(
        user=user,
        defaults={"digest": _digest(secret), "created_at": timezone.now(), "last_used_at": None},
    )
    return secret


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> bool:
    """Stop the user's address; returns whether there was one."""
    deleted, _rows = CalendarFeed.objects.filter(user=user).delete()
    return bool(deleted)


def calendar_feed_lookup(secret: str) -> CalendarFeed | None:
    """The address for `secret` with its user, or None (unknown, revoked, or an inactive
    user). One query."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    return (
        CalendarFeed.objects.select_related("user")
        .filter(digest=_digest(secret), user__is_active=True)
        .first()
    )


def calendar_feed_touch(feed: CalendarFeed) -> None:
    """Record that the address was used, at most once per TOUCH_INTERVAL (a compare-and-set
    update, so concurrent polls write once)."""
    now = timezone.now()
    if feed.last_used_at is not None and now - feed.last_used_at < TOUCH_INTERVAL:
        return
    stale = now - TOUCH_INTERVAL
    CalendarFeed.objects.filter(pk=feed.pk, digest=feed.digest).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)
    ).update(last_used_at=now)


# --- The iCalendar document -----------------------------------------------------------------


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _event(event: CalendarEvent, *, host: str, stamp: datetime.datetime) -> Event:
    component = Event()
    component.add("uid", f"{event.uid}@{host}")
    component.add("dtstamp", stamp)
    component.add("dtstart", event.date)
    component.add("dtend", event.date + datetime.timedelta(days=1))
    component.add("summary", event.summary)
    if event.description:
        component.add("description", event.description)
    component.add("url", urljoin(settings.SITE_URL, event.url))
    # A deadline, not a meeting: it does not make the person look busy.
    component.add("transp", "TRANSPARENT")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", event.summary)
    alarm.add("trigger", -ALARM_BEFORE)
    component.add_component(alarm)
    return component


def calendar_bytes(events: Iterable[CalendarEvent]) -> bytes:
    """The iCalendar document (RFC 5545) with `events`, its name in the active language."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Core tasks: due dates and reviews"))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", f"PT{int(REFRESH_INTERVAL.total_seconds()) // 3600}H")
    host = _host()
    stamp = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
    for event in events:
        calendar.add_component(_event(event, host=host, stamp=stamp))
    return calendar.to_ical()
