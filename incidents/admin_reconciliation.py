"""Console pages for post-incident reconciliation: every party's item, its progress chart,
and Switching Operations' waiver (with a reason). Changes go through incidents.reconciliation.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm

from accounts import policy
from accounts.admin_mixins import ConsoleAdmin, ReadOnlyInline

from . import reconciliation
from .errors import IncidentError
from .models import ReconciliationItem, ReconciliationProgress, ReconciliationTransition


class WaiveActionForm(ActionForm):
    reason = forms.CharField(required=False, max_length=5000, label="Reason",
                             widget=forms.TextInput(attrs={"placeholder": "why it is waived"}))


class ProgressInline(ReadOnlyInline):
    model = ReconciliationProgress
    fields = ["at", "by", "backlog", "remaining", "expected_completion", "note"]


class TransitionInline(ReadOnlyInline):
    model = ReconciliationTransition
    fields = ["at", "by", "from_status", "to_status", "reason", "channel"]


class ReconciliationInline(ReadOnlyInline):
    """On the major incident: where each party's reconciliation stands."""

    model = ReconciliationItem
    fields = ["organisation", "party_role", "status", "backlog", "unit", "remaining",
              "expected_completion"]
    show_change_link = True


@admin.register(ReconciliationItem)
class ReconciliationItemAdmin(ConsoleAdmin):
    list_display = ["major_incident", "organisation", "party_role", "status", "backlog", "unit",
                    "remaining", "done", "expected_completion"]
    list_filter = ["status", "party_role"]
    list_select_related = ["major_incident__incident", "organisation"]
    search_fields = ["major_incident__incident__reference", "organisation__name"]
    action_form = WaiveActionForm
    actions = ["waive_selected"]
    fields = ["major_incident", "organisation", "party_role", "status", "backlog", "unit",
              "remaining", "done", "expected_completion", "created_at", "closed_at",
              "progress_chart"]
    readonly_fields = fields
    inlines = [ProgressInline, TransitionInline]

    def has_add_permission(self, request):
        return False  # opened when the major incident is resolved

    @admin.display(description="Done")
    def done(self, item):
        return "–" if item.percent_done is None else f"{item.percent_done}%"

    @admin.display(description="Progress over time")
    def progress_chart(self, item):
        return reconciliation.progress_chart(item)

    @admin.action(description="Waive (Switching Operations; give the reason)")
    def waive_selected(self, request, queryset):
        if not policy.may_waive_reconciliation(request.user):
            self.message_user(request, "Only Switching Operations may waive reconciliation.",
                              messages.ERROR)
            return
        reason = request.POST.get("reason", "")
        done = 0
        for item in queryset:
            try:
                reconciliation.waive(item=item, by=request.user, reason=reason)
                done += 1
            except IncidentError as exc:
                self.message_user(request, f"{item.organisation}: {exc}", messages.ERROR)
        if done:
            self.message_user(request, f"Waived {done} item(s).", messages.SUCCESS)
