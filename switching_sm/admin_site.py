"""The admin console: Django admin made into the Service Desk's workspace."""

from functools import partial

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import urlencode

from accounts import policy

from .workspace import home, incident


class ConsoleSite(admin.AdminSite):
    site_header = "Switching SM console"
    site_title = "Switching SM console"
    index_title = "Service Desk workspace"
    index_template = "admin/workspace/home.html"
    # The workspace pages link every queue and record; the sidebar repeated the whole app
    # list on every page (thirty links rendered per request).
    enable_nav_sidebar = False

    def has_permission(self, request):
        """Admit only active internal staff (desk, operations, auditor)."""
        return policy.may_use_console(request.user)

    def login(self, request, extra_context=None):
        """Send staff through the portal's sign-in, which enforces lockout and 2FA."""
        target = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('portal:login')}?{urlencode({'next': target})}")

    def index(self, request, extra_context=None):
        """The workspace home: live queue counts, then the console's sections."""
        return super().index(request, {**home.home_context(request), **(extra_context or {})})

    def get_urls(self):
        def view(fn):
            return self.admin_view(partial(fn, site=self))

        return [
            path("workspace/counts/", view(home.counts_view), name="workspace_counts"),
            path("workspace/incident/<str:reference>/", view(incident.incident_workspace),
                 name="workspace_incident"),
            path("workspace/incident/<str:reference>/act/<slug:action>/",
                 view(incident.incident_act), name="workspace_incident_act"),
            *super().get_urls(),
        ]
