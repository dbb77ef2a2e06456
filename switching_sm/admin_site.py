"""The admin console: Django admin made into the Service Desk's workspace."""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts import policy
from changes.selectors import outages_for_the_desk
from incidents.models import Incident


class ConsoleSite(admin.AdminSite):
    site_header = "Switching SM console"
    site_title = "Switching SM console"
    index_title = "Service Desk workspace"
    index_template = "admin/console_index.html"

    def has_permission(self, request):
        """Admit only active internal staff (desk, operations, auditor)."""
        return policy.may_use_console(request.user)

    def login(self, request, extra_context=None):
        """Send staff through the portal's sign-in, which enforces lockout and 2FA."""
        target = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('portal:login')}?{urlencode({'next': target})}")

    def index(self, request, extra_context=None):
        """The workspace: open service-affecting incidents beside the participants' outages
        under way or due within a week (a supplier that is down raises no incident for it)."""
        user = request.user
        context = {
            "service_affecting": Incident.objects.visible_to(user).open().filter(
                severity__in=(1, 2)).select_related("organisation").order_by(
                "severity", "-created_at")[:20],
            "participant_outages": outages_for_the_desk(user=user, now=timezone.now())[:20],
            **(extra_context or {}),
        }
        return super().index(request, extra_context=context)
