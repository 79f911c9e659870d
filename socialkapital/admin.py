"""Django admin for the socialkapital app, for HR/admin's maintenance and support.

Anonymity first: responses, answers and invitation links are deliberately NOT registered. A
response with its answers, seen next to anything else, is the one thing the product promises
nobody will look at, and a link's token hash is a secret. Invitations are shown without whether
or when the person answered. Rows that the services' rules protect (answered items, used
questionnaire versions, opened rounds' frozen settings) are read-only here too, since the admin
bypasses the services.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from socialkapital.models import (
    AccessCode,
    DeliveryFailure,
    Invitation,
    Item,
    Questionnaire,
    QuestionnaireItem,
    SurveyRound,
)
from socialkapital.services import item_is_answered, questionnaire_is_used

_ITEM_FIELDS = ["code", "dimension", "text_da", "text_en", "reverse_scored", "created_at"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["code", "dimension", "reverse_scored", "text_da"]
    list_filter = ["dimension", "reverse_scored"]
    search_fields = ["code", "text_da", "text_en"]

    def get_readonly_fields(self, request: HttpRequest, obj: Item | None = None) -> list[str]:
        # An answered item keeps the meaning its answers were given: make a new item instead.
        if obj is not None and item_is_answered(obj):
            return _ITEM_FIELDS
        return ["created_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Item | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not (
            obj is not None and item_is_answered(obj)
        )


class QuestionnaireItemInline(admin.TabularInline):
    model = QuestionnaireItem
    extra = 0
    autocomplete_fields = ["item"]
    ordering = ["position"]

    def _used(self, obj: Questionnaire | None) -> bool:
        return obj is not None and questionnaire_is_used(obj)

    def has_add_permission(self, request: HttpRequest, obj: Questionnaire | None = None) -> bool:
        return super().has_add_permission(request, obj) and not self._used(obj)

    def has_change_permission(self, request: HttpRequest, obj: Questionnaire | None = None) -> bool:
        return super().has_change_permission(request, obj) and not self._used(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Questionnaire | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not self._used(obj)


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "created_by", "created_at"]
    list_filter = ["name", "created_at"]
    search_fields = ["name", "description"]
    inlines = [QuestionnaireItemInline]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Questionnaire | None = None
    ) -> list[str]:
        if obj is not None and questionnaire_is_used(obj):
            return ["name", "version", "description", "created_by", "created_at"]
        return ["created_by", "created_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Questionnaire | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not (
            obj is not None and questionnaire_is_used(obj)
        )


@admin.register(SurveyRound)
class SurveyRoundAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "scope", "opens_at", "closes_at", "min_group_size"]
    list_filter = ["status", ("raw_answers_deleted_at", admin.EmptyFieldListFilter), "opens_at"]
    search_fields = ["name", "scope__name", "questionnaire__name", "min_group_size_agreed_by"]
    date_hierarchy = "opens_at"
    autocomplete_fields = ["scope"]

    # The status moves only through the round's page, which freezes the invitation list.
    _ALWAYS = [
        "status",
        "opened_at",
        "closed_at",
        "raw_answers_deleted_at",
        "created_by",
        "created_at",
    ]
    _FROZEN = [
        "questionnaire",
        "scope",
        "opens_at",
        "closes_at",
        "min_group_size",
        "min_group_size_agreed_by",
    ]

    def get_readonly_fields(
        self, request: HttpRequest, obj: SurveyRound | None = None
    ) -> list[str]:
        if obj is not None and obj.status != SurveyRound.Status.DRAFT:
            return self._ALWAYS + self._FROZEN
        return self._ALWAYS

    def has_delete_permission(self, request: HttpRequest, obj: SurveyRound | None = None) -> bool:
        # Deleting an opened round would take its answers and invitations along unnoticed.
        return super().has_delete_permission(request, obj) and (
            obj is None or obj.status == SurveyRound.Status.DRAFT
        )


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(_ReadOnlyAdmin):
    """For following up delivery. Whether and when the person answered is left out on purpose:
    the product shows counts of who answered, never names."""

    list_display = ["round", "unit", "user", "email", "sent_at", "reminders_sent"]
    list_filter = ["round", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__name", "user__username", "email", "round__name", "unit__name"]
    fields = ["round", "unit", "user", "email", "sent_at", "reminded_at", "reminders_sent"]
    list_select_related = ["round", "unit", "user"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(DeliveryFailure)
class DeliveryFailureAdmin(_ReadOnlyAdmin):
    list_display = ["invitation", "kind", "attempt", "final", "at", "error"]
    list_filter = ["kind", "final", "at"]
    search_fields = ["invitation__user__name", "invitation__email", "error"]
    fields = ["invitation", "kind", "attempt", "final", "at", "error"]


@admin.register(AccessCode)
class AccessCodeAdmin(_ReadOnlyAdmin):
    """How many codes a unit has and how many are used; the codes themselves (and their hashes)
    are not shown."""

    list_display = ["round", "unit", "used", "created_at"]
    list_filter = ["used", "round"]
    search_fields = ["round__name", "unit__name"]
    fields = ["round", "unit", "used", "created_at", "created_by"]
