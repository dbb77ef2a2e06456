from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
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


API_KEY_ONCE = "api_token_key_once"


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
        # Shown once, on its own page (key_view): never in a flash message, never again.
        request.session[API_KEY_ONCE] = {"pk": obj.pk, "key": raw_key}

    def response_add(self, request, obj, post_url_continue=None):
        return redirect("admin:accounts_apitoken_key", obj.pk)

    def get_urls(self):
        return [path("<int:pk>/key/", self.admin_site.admin_view(self.key_view),
                     name="accounts_apitoken_key"), *super().get_urls()]

    def key_view(self, request, pk):
        """Show a new token's key once, with a copy button; afterwards say it cannot be."""
        if not policy.may_manage_api_tokens(request.user):
            raise PermissionDenied
        token = get_object_or_404(ApiToken, pk=pk)
        once = request.session.get(API_KEY_ONCE) or {}
        key = None
        if once.get("pk") == token.pk:
            key = request.session.pop(API_KEY_ONCE)["key"]
        return TemplateResponse(request, "admin/accounts/apitoken/key_once.html", {
            **self.admin_site.each_context(request), "token": token, "key": key,
            "title": f"API token for {token.organisation.name}", "opts": self.model._meta})

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
