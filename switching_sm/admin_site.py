"""The admin console: Django admin made into the Service Desk's workspace."""

from functools import partial

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import urlencode

from accounts import policy

from .workspace import home, incident, records


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._app_dicts = {}

    def _build_app_dict(self, request, label=None):
        """Return the console's sections as `request.user`'s role sees them.

        Every console page lists them, asking each of thirty model pages five permission
        questions; without an object those are role rules (accounts.policy), so the answer
        is the same for everyone with the role and is worked out once per role.
        """
        key = (policy.role_of(request.user), label)
        if key not in self._app_dicts:
            self._app_dicts[key] = super()._build_app_dict(request, label)
        # get_app_list sorts each app's models in place: the same order every time.
        return dict(self._app_dicts[key])

    def index(self, request, extra_context=None):
        """The workspace home: live queue counts, then the console's sections."""
        return super().index(request, {**home.home_context(request), **(extra_context or {})})

    def get_urls(self):
        def view(fn):
            return self.admin_view(partial(fn, site=self))

        return [
            path("workspace/counts/", view(home.counts_view), name="workspace_counts"),
            path("workspace/queue/<slug:key>/", view(home.queue_view), name="workspace_queue"),
            path("workspace/incident/<str:reference>/", view(incident.incident_workspace),
                 name="workspace_incident"),
            path("workspace/incident/<str:reference>/act/<slug:action>/",
                 view(incident.incident_act), name="workspace_incident_act"),
            path("workspace/<slug:kind>/<int:pk>/", view(records.record_workspace),
                 name="workspace_record"),
            path("workspace/<slug:kind>/<int:pk>/act/", view(records.record_act),
                 name="workspace_record_act"),
            *super().get_urls(),
        ]
