"""The admin console: Django admin made into the Service Desk's workspace."""

from django.contrib import admin

from accounts import policy


class ConsoleSite(admin.AdminSite):
    site_header = "Switching SM console"
    site_title = "Switching SM console"
    index_title = "Service Desk workspace"

    def has_permission(self, request):
        """Admit only active internal staff (desk, operations, auditor)."""
        return policy.may_use_console(request.user)
