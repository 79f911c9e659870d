"""Django admin for HR/administrators: every model, with Danish labels, search and filters."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from organisation import api_tokens, audit
from organisation.models import (
    ApiToken,
    AuditEvent,
    ImportBatch,
    LeadershipCommunity,
    MedCommittee,
    MedMembership,
    OrgUnit,
    RoleAssignment,
    User,
)


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("name", "email", "phone", "home_unit", "external_id")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "name", "email", "home_unit", "password1", "password2"),
            },
        ),
    )
    list_display = ["username", "name", "email", "home_unit", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "role_assignments__role"]
    search_fields = ["username", "name", "email", "external_id"]
    ordering = ["name"]
    autocomplete_fields = ["home_unit"]
    list_select_related = ["home_unit"]
    inlines = [RoleAssignmentInline]


@admin.register(OrgUnit)
class OrgUnitAdmin(TreeAdmin):
    form = movenodeform_factory(OrgUnit, fields=["name", "kind", "external_id", "active"])
    list_display = ["name", "kind", "external_id", "active"]
    list_filter = ["kind", "active", "depth"]
    search_fields = ["name", "external_id"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit", "source", "created_at"]
    list_filter = ["role", "source"]
    search_fields = ["user__name", "user__username", "unit__name"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]


class MedMembershipInline(admin.TabularInline):
    model = MedMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(MedCommittee)
class MedCommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "parent", "active"]
    list_filter = ["level", "active"]
    search_fields = ["name", "external_id"]
    autocomplete_fields = ["parent", "covers"]
    inlines = [MedMembershipInline]


@admin.register(MedMembership)
class MedMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "committee", "role"]
    list_filter = ["role", "committee__level"]
    search_fields = ["user__name", "committee__name"]
    autocomplete_fields = ["user", "committee"]
    list_select_related = ["user", "committee"]


@admin.register(LeadershipCommunity)
class LeadershipCommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    list_filter = ["active"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["members", "units"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["created_at", "uploaded_by", "status", "applied_at"]
    list_filter = ["status"]
    search_fields = ["uploaded_by__name"]
    readonly_fields = [
        "uploaded_by",
        "created_at",
        "applied_at",
        "status",
        "files",
        "plan_digest",
        "summary",
    ]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """HR can see every API key (never its secret: only a digest is stored) and revoke one that
    leaked; keys are made by their owners on their own page."""

    list_display = [
        "name",
        "prefix",
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__name", "user__username"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    exclude = ["digest"]
    actions = ["revoke"]

    def has_add_permission(self, request: object) -> bool:
        return False

    @admin.action(description=_("Revoke the selected API keys"))
    def revoke(self, request: object, queryset: object) -> None:
        revoked = sum(
            api_tokens.api_token_revoke(token=token, actor=request.user) for token in queryset
        )
        self.message_user(request, _("%(count)s API keys revoked.") % {"count": revoked})


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: an audit log that could be edited would prove nothing. Importing
    `organisation.audit` here also connects its mirror of the admin's own change log."""

    list_display = ["when", "actor_name", "action_label", "target", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_name", "target"]
    date_hierarchy = "when"
    readonly_fields = ["when", "actor", "actor_name", "action", "target", "details", "ip_address"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False

    def action_label(self, obj: AuditEvent) -> str:
        return audit.action_label(obj.action)
