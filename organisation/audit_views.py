"""HR's audit log page: administrative changes and denied access, newest first, with filters.

Thin: the filter form parses the query string, `audit_events` narrows the rows, the permission is
`access.can_view_audit_log`. Invalid filter values are ignored rather than shown as errors.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from organisation import access, audit
from organisation.models import AuditEvent

PAGE_SIZE = 50
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    """The audit page's filters; every field is optional."""

    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(
        label=_("Person"),
        required=False,
        max_length=200,
        help_text=_("Part of the name of the person who acted."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    since = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    until = forms.DateField(label=_("To"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All")), *audit.known_actions()]

    def values(self) -> dict[str, Any]:
        """The valid filters; an invalid one is left out."""
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value}


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_events(filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor").order_by("-when", "-pk")
    if filters.get("action"):
        events = events.filter(action=filters["action"])
    if filters.get("actor"):
        events = events.filter(actor_name__icontains=filters["actor"])
    if filters.get("since"):
        events = events.filter(when__gte=_start_of(filters["since"]))
    if filters.get("until"):
        events = events.filter(when__lt=_start_of(filters["until"] + datetime.timedelta(days=1)))
    return events


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    access.require(access.can_view_audit_log(request.user))
    form = AuditFilterForm(request.GET or None)
    filters = form.values() if form.is_bound else {}
    page = Paginator(audit_events(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(event, audit.action_label(event.action)) for event in page.object_list]
    context = {"form": form, "page": page, "rows": rows, "filtered": bool(filters)}
    template = "organisation/audit.html"
    if getattr(request, "htmx", False):
        template += "#results"
    return render(request, template, context)
