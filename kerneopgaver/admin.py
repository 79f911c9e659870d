"""Django admin for every model of the core tasks app, for HR/admin's maintenance and support.

The admin edits rows directly and so bypasses the services' workflow and history; the app's own
pages are the way to change a core task. History rows are read-only here for that reason.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from kerneopgaver.models import (
    CommunityNote,
    Contribution,
    CoreTask,
    CoreTaskChange,
    DialogueInput,
    EffectIndicator,
    IndicatorValue,
    Vision,
)


@admin.register(Vision)
class VisionAdmin(admin.ModelAdmin):
    list_display = ["version", "title", "adopted_on", "council_decision", "created_by"]
    list_filter = [("adopted_on", admin.EmptyFieldListFilter), "adopted_on"]
    search_fields = ["title", "narrative", "council_decision"]
    readonly_fields = ["created_by", "created_at"]


class ContributionInline(admin.TabularInline):
    model = Contribution
    extra = 0
    autocomplete_fields = ["unit"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(CoreTask)
class CoreTaskAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "political_owner", "administrative_owner", "adopted_on"]
    list_filter = ["status", "citizen_consultation", "political_owner"]
    search_fields = ["title", "purpose", "desired_effect", "political_owner", "council_decision"]
    autocomplete_fields = ["administrative_owner", "depends_on", "leadership_communities"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ContributionInline]


@admin.register(CoreTaskChange)
class CoreTaskChangeAdmin(admin.ModelAdmin):
    list_display = ["core_task", "kind", "author", "created_at", "summary"]
    list_filter = ["kind", "created_at"]
    search_fields = ["core_task__title", "summary", "author__name", "author__username"]
    date_hierarchy = "created_at"

    # The history is evidence of who changed what; nobody rewrites it.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Contribution)
class ContributionAdmin(admin.ModelAdmin):
    list_display = ["core_task", "unit", "updated_by", "updated_at"]
    list_filter = ["core_task__status", "core_task"]
    search_fields = ["core_task__title", "unit__name", "how"]
    autocomplete_fields = ["core_task", "unit"]
    readonly_fields = ["updated_by", "updated_at"]


class IndicatorValueInline(admin.TabularInline):
    model = IndicatorValue
    extra = 0
    readonly_fields = ["entered_by", "entered_at"]


@admin.register(EffectIndicator)
class EffectIndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "core_task", "kind", "measure_type", "direction", "target_value"]
    list_filter = ["kind", "measure_type", "direction", "core_task"]
    search_fields = ["name", "description", "data_source", "core_task__title"]
    autocomplete_fields = ["core_task", "unit"]
    inlines = [IndicatorValueInline]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    list_display = ["indicator", "period", "value", "entered_by"]
    list_filter = ["indicator__core_task", "period"]
    search_fields = ["indicator__name", "story"]
    autocomplete_fields = ["indicator"]
    readonly_fields = ["entered_by", "entered_at"]


@admin.register(DialogueInput)
class DialogueInputAdmin(admin.ModelAdmin):
    list_display = ["core_task", "channel", "kind", "moderation", "outcome", "created_at"]
    list_filter = ["channel", "kind", "moderation", "outcome", "core_task"]
    search_fields = ["text", "author_name", "author__name", "core_task__title", "outcome_reason"]
    autocomplete_fields = ["core_task", "author"]
    readonly_fields = ["created_at", "moderated_by", "moderated_at", "outcome_by", "outcome_at"]
    date_hierarchy = "created_at"


@admin.register(CommunityNote)
class CommunityNoteAdmin(admin.ModelAdmin):
    list_display = ["community", "author", "created_at"]
    list_filter = ["community"]
    search_fields = ["text", "link", "community__name", "author__name"]
    autocomplete_fields = ["community"]
    readonly_fields = ["author", "created_at"]
