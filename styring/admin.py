"""Django admin for the governance app, for HR/admin's maintenance and support.

The admin edits rows directly and so bypasses the services' workflow (activation needs a
justification); the register's own pages are the way to change an instrument. Decisions are
history and read-only here. Value signals and their markers have no admin at all: raw signals
must never be shown one by one (DESIGN.md, "Anonymity"); only aggregated, suppressed results
are listed, read-only.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from styring.models import Decision, Instrument, Justification, SignalAggregation, SignalResult


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows nobody rewrites: history and aggregation results."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class JustificationInline(admin.TabularInline):
    model = Justification
    extra = 0
    autocomplete_fields = ["core_task"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "origin",
        "status",
        "mandatory",
        "owner_unit",
        "minutes_per_month",
        "review_on",
    ]
    list_filter = ["status", "kind", "origin", "mandatory"]
    search_fields = ["title", "description", "legal_basis"]
    autocomplete_fields = ["owner_unit", "owner", "applies_to"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    list_select_related = ["owner_unit"]
    inlines = [JustificationInline]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = [
        "instrument",
        "area",
        "kind",
        "source",
        "decision_maker",
        "decided_on",
        "review_on",
        "minutes_before",
        "minutes_after",
        "employees",
    ]
    list_filter = ["kind", "source", "decided_on"]
    search_fields = ["instrument__title", "reason", "decision_maker"]
    date_hierarchy = "decided_on"
    list_select_related = ["instrument", "area"]


@admin.register(SignalAggregation)
class SignalAggregationAdmin(ReadOnlyAdmin):
    list_display = ["period", "k", "signals", "version", "computed_at"]
    exclude = ["fingerprint"]


@admin.register(SignalResult)
class SignalResultAdmin(ReadOnlyAdmin):
    """Aggregated figures as every page shows them: hidden rows carry no figures."""

    list_display = ["period", "instrument", "unit", "cell", "hidden", "n"]
    list_filter = ["period", "cell", "hidden"]
    search_fields = ["instrument__title", "unit__name"]
    list_select_related = ["instrument", "unit"]
