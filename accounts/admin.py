from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from . import policy, services
from .admin_mixins import ReadOnlyConsoleAdmin, ReferenceDataAdmin
from .models import AccessReview, ApiToken, LoginAttempt, Organisation, User
from .models_audit import AuditEntry


@admin.register(Organisation)
class OrganisationAdmin(ReferenceDataAdmin):
    list_display = ["name", "short_code", "kind", "market_role", "contact_email", "is_active"]
    list_filter = ["kind", "market_role", "is_active"]
    search_fields = ["name", "short_code"]
    prepopulated_fields = {"short_code": ["name"]}


@admin.register(User)
class UserAdmin(ReferenceDataAdmin, DjangoUserAdmin):
    list_display = ["username", "display_name", "email", "organisation", "role", "is_org_admin",
                    "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_org_admin", "is_security_contact", "organisation__kind"]
    search_fields = ["username", "first_name", "last_name", "email", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email", "phone")}),
        ("Organisation and role", {"fields": ("organisation", "role", "is_org_admin",
                                              "is_security_contact", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": (
            "username", "email", "first_name", "last_name", "organisation", "role",
            "usable_password", "password1", "password2")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    actions = ["reset_two_factor"]

    @admin.action(description="Reset two-factor authentication (user sets it up again)")
    def reset_two_factor(self, request, queryset):
        try:
            deleted = services.reset_two_factor(users=queryset, by=request.user)
        except PermissionDenied as exc:
            return self.message_user(request, str(exc), messages.ERROR)
        self.message_user(request, f"Reset two-factor authentication for {deleted} user(s).")


@admin.register(ApiToken)
class ApiTokenAdmin(ReferenceDataAdmin):
    list_display = ["name", "organisation", "prefix", "created_at", "created_by", "last_used_at",
                    "status"]
    list_filter = ["organisation__kind", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "organisation__name", "prefix"]
    list_select_related = ["organisation", "created_by"]
    fields = ["organisation", "name"]
    actions = ["revoke_tokens"]

    def has_add_permission(self, request):
        return policy.may_manage_api_tokens(request.user)

    def has_change_permission(self, request, obj=None):
        # Tokens are issued and revoked, never edited: a changed name is the only edit.
        return policy.may_manage_api_tokens(request.user)

    def get_readonly_fields(self, request, obj=None):
        return ["organisation"] if obj else []

    @admin.display(description="Status")
    def status(self, obj):
        return f"Revoked {timezone.localtime(obj.revoked_at):%d %b %Y %H:%M}" if obj.is_revoked else "Active"

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        raw_key = services.issue_api_token(token=obj, by=request.user)
        messages.warning(
            request,
            f"New API token for {obj.organisation}: {raw_key} — copy it now; "
            "it is stored hashed and will not be shown again.",
        )

    @admin.action(description="Revoke selected API tokens")
    def revoke_tokens(self, request, queryset):
        try:
            count = services.revoke_api_tokens(tokens=queryset, by=request.user)
        except PermissionDenied as exc:
            return self.message_user(request, str(exc), messages.ERROR)
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyConsoleAdmin):
    list_display = ["at", "actor_label", "channel", "action", "content_type", "object_repr"]
    list_filter = ["channel", "action", "content_type"]
    search_fields = ["object_repr", "actor_label", "object_id"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]


@admin.register(LoginAttempt)
class LoginAttemptAdmin(ReadOnlyConsoleAdmin):
    list_display = ["at", "username", "remote_addr", "succeeded"]
    list_filter = ["succeeded"]
    search_fields = ["username", "remote_addr"]
    date_hierarchy = "at"


@admin.register(AccessReview)
class AccessReviewAdmin(ReadOnlyConsoleAdmin):
    list_display = ["organisation", "confirmed_by", "confirmed_at"]
    list_select_related = ["organisation", "confirmed_by"]
    readonly_fields = ["organisation", "confirmed_by", "confirmed_at", "snapshot", "comment"]
