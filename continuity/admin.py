"""Console pages: continuity plans (Operations), DR tests and actions, the Crisis Management
Team, and each BCDR invocation with its major incident, plans and log side by side."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.admin_mixins import (
    ConsoleAdmin,
    CreatedByServiceAdmin,
    FollowUpActionAdmin,
    ReadOnlyInline,
    ReferenceDataAdmin,
    ReferenceDataInline,
)

from . import services
from .errors import ContinuityError
from .models import (
    ContinuityContact,
    ContinuityPlan,
    CrisisInvocation,
    CrisisLogEntry,
    CrisisTeamMember,
    DisasterRecoveryTest,
    RecoveryAction,
)


class ContinuityContactInline(ReferenceDataInline, admin.TabularInline):
    model = ContinuityContact
    extra = 1


@admin.register(ContinuityPlan)
class ContinuityPlanAdmin(ReferenceDataAdmin):
    list_display = ["service", "title", "rto_minutes", "rpo_minutes", "last_tested_on",
                    "reviewed_on"]
    list_select_related = ["service"]
    search_fields = ["title", "service__name", "service__code"]
    readonly_fields = ["last_tested_on"]
    inlines = [ContinuityContactInline]


class RecoveryActionInline(ReadOnlyInline):
    model = RecoveryAction
    fields = ["description", "owner", "due_on", "status", "done_at"]


class DisasterRecoveryTestForm(forms.ModelForm):
    class Meta:
        model = DisasterRecoveryTest
        fields = ["plan", "tested_on", "scenario", "result", "recovery_minutes",
                  "data_loss_minutes", "findings"]


@admin.register(DisasterRecoveryTest)
class DisasterRecoveryTestAdmin(CreatedByServiceAdmin):
    form = DisasterRecoveryTestForm
    list_display = ["plan", "tested_on", "result", "recovery_minutes", "data_loss_minutes"]
    list_filter = ["result"]
    list_select_related = ["plan__service"]
    inlines = [RecoveryActionInline]
    refusals = (ContinuityError,)

    def may_add(self, user):
        return policy.may_manage_continuity(user)

    def create(self, request, data):
        return services.record_dr_test(by=request.user, **data)


class RecoveryActionForm(forms.ModelForm):
    class Meta:
        model = RecoveryAction
        fields = ["test", "description", "owner", "due_on"]


@admin.register(RecoveryAction)
class RecoveryActionAdmin(FollowUpActionAdmin):
    form = RecoveryActionForm
    list_display = ["description", "test", "owner", "due_on", "status"]
    list_select_related = ["test__plan__service", "owner"]
    refusals = (ContinuityError,)

    def may_add(self, user):
        return policy.may_manage_continuity(user)

    def create(self, request, data):
        return services.add_recovery_action(by=request.user, **data)

    def complete(self, action, by):
        services.complete_recovery_action(action=action, by=by)


@admin.register(CrisisTeamMember)
class CrisisTeamMemberAdmin(ReferenceDataAdmin):
    list_display = ["user", "team_role", "is_active"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]


class CrisisLogInline(ReadOnlyInline):
    model = CrisisLogEntry
    fields = ["at", "kind", "text", "by"]


@admin.register(CrisisInvocation)
class CrisisInvocationAdmin(ConsoleAdmin):
    list_display = ["incident", "status", "invoked_at", "invoked_by", "stood_down_at"]
    list_filter = ["status"]
    list_select_related = ["incident", "invoked_by"]
    fields = ["incident", "status", "invoked_at", "invoked_by", "stood_down_at",
              "major_incident_panel", "plans_panel"]
    readonly_fields = fields
    inlines = [CrisisLogInline]
    change_form_template = "continuity/admin/invocation_change_form.html"

    def has_add_permission(self, request):
        return False  # started by a BCDR invocation on a major incident

    @admin.display(description="Major incident")
    def major_incident_panel(self, invocation):
        major = invocation.major_incident
        communications = invocation.incident.communications.order_by("at")
        updates = format_html_join("", "<li>{}: {}</li>", (
            (u.at.strftime("%d %b %H:%M"), u.body) for u in communications))
        return format_html(
            '<p><a href="{}">{}</a> {}</p><p>{}</p><p>Manager: {}</p><ul>{}</ul>',
            reverse("admin:incidents_incident_change", args=[invocation.incident_id]),
            invocation.incident.reference, invocation.incident.title, major.summary,
            major.manager, updates)

    @admin.display(description="Continuity plans of the affected services")
    def plans_panel(self, invocation):
        rows = format_html_join("", "<li><strong>{}</strong>: {} (RTO {} min, RPO {} min, last "
                                    "tested {}). Invoke when: {}. Procedure: {}</li>", (
            (p.service.name, p.title, p.rto_minutes, p.rpo_minutes,
             p.last_tested_on or "never", p.invocation_criteria, p.recovery_procedure)
            for p in invocation.plans.select_related("service")))
        return format_html("<ul>{}</ul>", rows) if rows else "No plan covers the services."

    def get_urls(self):
        view = self.admin_site.admin_view(require_POST(self.log_view))
        return [path("<int:pk>/log/", view, name="continuity_crisisinvocation_log"),
                *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {"may_log": policy.may_keep_crisis_log(request.user),
                 "log_kinds": [(k.value, k.label) for k in (
                     CrisisLogEntry.Kind.NOTE, CrisisLogEntry.Kind.DECISION,
                     CrisisLogEntry.Kind.COMMUNICATION)]}
        return super().change_view(request, object_id, form_url,
                                   {**extra, **(extra_context or {})})

    def log_view(self, request, pk):
        invocation = get_object_or_404(self.get_queryset(request), pk=pk)
        try:
            if request.POST.get("stand_down"):
                services.stand_down(invocation=invocation, by=request.user,
                                    reason=request.POST.get("text", ""))
            else:
                services.add_log_entry(invocation=invocation, by=request.user,
                                       text=request.POST.get("text", ""),
                                       kind=request.POST.get("kind", "note"))
        except ContinuityError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        return redirect(reverse("admin:continuity_crisisinvocation_change", args=[pk]))
