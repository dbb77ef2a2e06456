"""The admin console: Django admin made into the Service Desk's workspace."""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts import policy


class ConsoleSite(admin.AdminSite):
    site_header = "Switching SM console"
    site_title = "Switching SM console"
    index_title = "Service Desk workspace"

    def has_permission(self, request):
        """Admit only active internal staff (desk, operations, auditor)."""
        return policy.may_use_console(request.user)

    def login(self, request, extra_context=None):
        """Send staff through the portal's sign-in, which enforces lockout and 2FA."""
        target = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('portal:login')}?{urlencode({'next': target})}")
