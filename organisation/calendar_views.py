"""The personal calendar address: the page where a person makes or stops it, and the feed that
calendar programs fetch (organisation/calendar.py builds both the secret and the document).

The feed answers without a session: the secret in the address is the authentication, an
unknown or revoked one is a 404. The secret is never stored, never put in a URL of this site
other than the feed itself, and masked in every log (socialkapital/log_filters.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from organisation import access
from organisation.calendar import (
    calendar_bytes,
    calendar_feed_create,
    calendar_feed_lookup,
    calendar_feed_revoke,
    calendar_feed_touch,
    events_for,
    feed_url,
)
from organisation.models import CalendarFeed

TEMPLATE = "organisation/calendar.html"
# The page lists what the calendar holds from today on, up to this many dates.
PREVIEW_LIMIT = 20


def _page(request: HttpRequest, *, new_link: str = "") -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    events = events_for(user)
    upcoming = [event for event in events if event.date >= today]
    context = {
        "feed": CalendarFeed.objects.filter(user=user).first(),
        "new_link": new_link,
        # webcal:// opens the subscription dialogue of the calendar program on most systems.
        "webcal_link": ("webcal://" + new_link.split("://", 1)[1]) if new_link else "",
        "upcoming": upcoming[:PREVIEW_LIMIT],
        "more_upcoming": max(0, len(upcoming) - PREVIEW_LIMIT),
        "past_count": len(events) - len(upcoming),
    }
    response = render(request, TEMPLATE, context)
    # The page may hold the secret address: no cache, shared or private, may keep it.
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    access.require(access.can_use_calendar_feed(request.user))
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            secret = calendar_feed_create(user=request.user)
            # Shown in this answer only; a reload of the page will not show it again.
            return _page(request, new_link=feed_url(secret))
        if action == "stop":
            if calendar_feed_revoke(user=request.user):
                messages.success(
                    request, _("Your calendar link has been stopped. It no longer works.")
                )
            else:
                messages.info(request, _("You had no calendar link."))
            return redirect("organisation:calendar")
        messages.error(request, _("Choose one of the buttons on the page."))
        return redirect("organisation:calendar")
    return _page(request)


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    found = calendar_feed_lookup(token)
    if found is None:
        raise Http404("No such calendar")
    calendar_feed_touch(found)
    response = HttpResponse(
        calendar_bytes(events_for(found.user)), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="kerneopgaver.ics"'
    # Personal: no shared cache may keep it, and a revoked address must stop working at once.
    response["Cache-Control"] = "private, no-store"
    return response
