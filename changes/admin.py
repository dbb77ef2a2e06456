"""Admin console for Change Co-ordination (Switching Operations decides; desk and auditors read).

Notification fields are read-only here: providers (or the desk on their
behalf) edit drafts in the portal or over the API, so every edit re-runs the
checks. The console drives the lifecycle through actions, which call the same
`changes.services.perform_action` as the portal and the API.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts import policy
from accounts.admin_mixins import ConsoleAdmin, ReadOnlyInline, ReferenceDataAdmin

from . import checks, services
from .errors import InvalidTransition
from .models import (
    AgendaItem,
    ChangeImpact,
    ChangeNotification,
    ChangeReview,
    ChangeTransition,
    ChangeWarning,
    ConsultationRequest,
    CoordinationMeeting,
    NoticePeriodRule,
)
from .models_policy import ChangeFreeze


class ReasonActionForm(ActionForm):
    reason = forms.CharField(required=False, label="Reason / rationale", max_length=5000)


class ImpactInline(ReadOnlyInline):
    model = ChangeImpact
    fields = ["service", "impact"]


class WarningInline(ReadOnlyInline):
    model = ChangeWarning
    fk_name = "change_notification"
    fields = ["kind", "message", "other_change", "computed_at"]
    readonly_fields = fields


class TransitionInline(ReadOnlyInline):
    model = ChangeTransition
    fields = ["at", "by", "from_status", "to_status", "reason", "is_retrospective_approval"]
    readonly_fields = fields


class ConsultationInline(ReadOnlyInline):
    model = ConsultationRequest
    fields = ["organisation", "deadline", "response", "comment", "responded_by", "responded_at"]
    readonly_fields = fields


class ReviewInline(admin.StackedInline):
    """Evaluations and post-implementation reviews: Switching Operations adds them."""

    model = ChangeReview
    extra = 0
    can_delete = False
    fields = ["kind", "summary", "recommendation", "author", "created_at"]
    readonly_fields = ["author", "created_at"]

    def has_view_permission(self, request, obj=None):
        return policy.may_use_console(request.user)

    def has_add_permission(self, request, obj=None):
        return policy.may_coordinate_changes(request.user)

    def has_change_permission(self, request, obj=None):
        return False


class WarningKindFilter(admin.SimpleListFilter):
    title = "warning"
    parameter_name = "warning"

    def lookups(self, request, model_admin):
        return [("any", "Any warning"), *ChangeWarning.Kind.choices]

    def queryset(self, request, queryset):
        if self.value() == "any":
            return queryset.filter(warnings__isnull=False).distinct()
        if self.value() in ChangeWarning.Kind.values:
            return queryset.filter(warnings__kind=self.value()).distinct()
        return queryset


def _lifecycle_action(name, label):
    def run(modeladmin, request, queryset):
        reason = request.POST.get("reason", "")
        done = 0
        for change in queryset:
            try:
                services.perform_action(change_notification=change, action=name, by=request.user,
                                        reason=reason)
                done += 1
            except (InvalidTransition, ValidationError, PermissionDenied) as exc:
                text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                modeladmin.message_user(request, f"{change.reference}: {text or 'not allowed'}",
                                        messages.ERROR)
        if done:
            modeladmin.message_user(request, f"{label}: {done} notification(s).", messages.SUCCESS)

    run.__name__ = f"action_{name}"
    run.short_description = label
    run.allowed_permissions = ("change",)
    return run


@admin.register(ChangeNotification)
class ChangeNotificationAdmin(ConsoleAdmin):
    list_display = ["reference", "title", "provider", "change_type", "status", "start_uk",
                    "warning_summary", "emergency_flag"]
    list_filter = ["status", "change_type", WarningKindFilter, "provider"]
    search_fields = ["reference", "title"]
    date_hierarchy = "planned_start"
    action_form = ReasonActionForm
    actions = [_lifecycle_action(name, label) for name, label in [
        ("assess", "Start assessment"), ("approve", "Approve"), ("reject", "Reject (give reason)"),
        ("start", "Record started"), ("complete", "Record implemented"),
        ("fail", "Record failed (give reason)"), ("back_out", "Record backed out (give reason)"),
        ("withdraw", "Withdraw"), ("review", "Mark reviewed"), ("close", "Close"),
        ("approve_retrospectively", "Approve emergency change retrospectively"),
    ]] + ["refresh_checks"]
    inlines = [ImpactInline, WarningInline, ConsultationInline, ReviewInline, TransitionInline]
    readonly_fields = ["reference", "provider", "contact", "created_by", "change_type", "title",
                       "description", "risk", "back_out_plan", "planned_start", "planned_end",
                       "status", "submitted_at", "approved_at", "approved_by",
                       "approved_retrospectively", "created_at", "updated_at"]

    def workspace_url(self, obj):
        return reverse("admin:workspace_record", args=["change", obj.pk])

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider").annotate(
            warning_count=Count("warnings", distinct=True))

    def has_add_permission(self, request):
        return False  # raised in the portal (or by API), so the checks run on every edit

    @admin.display(description="Start (UK)", ordering="planned_start")
    def start_uk(self, obj):
        return f"{timezone.localtime(obj.planned_start):%a %d %b %Y %H:%M %Z}"

    @admin.display(description="Warnings")
    def warning_summary(self, obj):
        if not obj.warning_count:
            return "—"
        kinds = sorted({w.get_kind_display() for w in obj.warnings.all()})
        return format_html("<strong>{}</strong>: {}", obj.warning_count, ", ".join(kinds))

    @admin.display(description="Emergency", boolean=True)
    def emergency_flag(self, obj):
        return obj.is_emergency

    @admin.action(description="Re-run policy checks", permissions=["change"])
    def refresh_checks(self, request, queryset):
        for change in queryset:
            checks.refresh_warnings(change_notification=change)
        self.message_user(request, "Checks re-run.", messages.SUCCESS)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ChangeReview:
            return super().save_formset(request, form, formset, change)
        for review_form in formset.forms:
            if review_form.has_changed() and not review_form.instance.pk:
                services.add_review(change_notification=form.instance, by=request.user,
                                    kind=review_form.cleaned_data["kind"],
                                    summary=review_form.cleaned_data["summary"],
                                    recommendation=review_form.cleaned_data["recommendation"])
        _mark_saved(formset)
        return None


def _mark_saved(formset):
    """Give the admin's change message what formset.save() would have (we save via services)."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@admin.register(ChangeFreeze)
class ChangeFreezeAdmin(ReferenceDataAdmin):
    list_display = ["name", "recurrence", "window", "scope", "is_active"]
    list_filter = ["recurrence", "is_active"]
    filter_horizontal = ["services"]
    fieldsets = [
        (None, {"fields": ["name", "reason", "services", "is_active"]}),
        ("When (UK time)", {"fields": ["recurrence", "starts_at", "ends_at", "weekday",
                                       "start_time", "end_time", "valid_from", "valid_until"],
                            "description": "One-off: start and end. Weekly: weekday, start and "
                                           "end time (an end before the start means the next "
                                           "day), optionally between two dates."}),
    ]

    @admin.display(description="Window")
    def window(self, obj):
        try:
            return obj.describe_window()
        except (TypeError, AttributeError, IndexError):
            return "incomplete"

    @admin.display(description="Services")
    def scope(self, obj):
        return ", ".join(s.name for s in obj.services.all()) or "All services"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(NoticePeriodRule)
class NoticePeriodRuleAdmin(ReferenceDataAdmin):
    list_display = ["__str__", "provider", "service", "change_type", "outages_only",
                    "working_days", "description"]
    list_filter = ["change_type", "outages_only"]


@admin.register(ConsultationRequest)
class ConsultationRequestAdmin(ConsoleAdmin):
    list_display = ["change_notification", "organisation", "deadline", "response_state",
                    "responded_at"]
    list_filter = ["response", "organisation"]
    readonly_fields = ["change_notification", "organisation", "services", "deadline",
                       "response", "comment", "responded_by", "responded_at"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Response")
    def response_state(self, obj):
        return "No response (overdue)" if obj.is_overdue else obj.get_response_display()


class AgendaItemInline(admin.TabularInline):
    """The agenda: each notification with its warnings; the decision performs the transition."""

    model = AgendaItem
    extra = 0
    can_delete = False
    fields = ["position", "change_notification", "status", "warnings", "consultation",
              "decision", "rationale", "decided_by", "decided_at"]
    readonly_fields = ["change_notification", "status", "warnings", "consultation",
                       "decided_by", "decided_at"]

    def has_view_permission(self, request, obj=None):
        return policy.may_use_console(request.user)

    def has_add_permission(self, request, obj=None):
        return False  # use the "Build agenda" action

    def has_change_permission(self, request, obj=None):
        return policy.may_coordinate_changes(request.user)

    @admin.display(description="Status")
    def status(self, item):
        return item.change_notification.get_status_display()

    @admin.display(description="Warnings")
    def warnings(self, item):
        rows = item.change_notification.warnings.all()
        if not rows:
            return "None"
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li><strong>{}</strong>: {}</li>",
            ((w.get_kind_display(), w.message) for w in rows)))

    @admin.display(description="Consultation")
    def consultation(self, item):
        rows = item.change_notification.consultations.select_related("organisation")
        return format_html_join(", ", "{} ({})", (
            (c.organisation.short_code, "overdue" if c.is_overdue else c.get_response_display())
            for c in rows)) or "—"


@admin.register(CoordinationMeeting)
class CoordinationMeetingAdmin(ConsoleAdmin):
    list_display = ["title", "scheduled_for", "status", "chair", "item_count"]
    list_filter = ["status"]
    fields = ["title", "scheduled_for", "status", "chair", "minutes"]
    inlines = [AgendaItemInline]
    actions = ["build_agenda"]

    def has_add_permission(self, request):
        return policy.may_coordinate_changes(request.user)

    def has_change_permission(self, request, obj=None):
        return policy.may_coordinate_changes(request.user)

    @admin.display(description="Items")
    def item_count(self, obj):
        return obj.items.count()

    @admin.action(description="Build agenda from notifications awaiting decision",
                  permissions=["change"])
    def build_agenda(self, request, queryset):
        for meeting in queryset:
            added = services.build_agenda(meeting=meeting, by=request.user)
            self.message_user(request, f"{meeting}: {added} item(s) added.", messages.SUCCESS)

    def save_formset(self, request, form, formset, change):
        if formset.model is not AgendaItem:
            return super().save_formset(request, form, formset, change)
        for item_form in formset.forms:
            if not item_form.has_changed():
                continue
            item = item_form.instance
            decision = item_form.cleaned_data.get("decision")
            if "position" in item_form.changed_data:
                services.move_agenda_item(item=item, position=item_form.cleaned_data["position"],
                                          by=request.user)
            if decision and decision != AgendaItem.Decision.PENDING and (
                    AgendaItem.objects.get(pk=item.pk).decision == AgendaItem.Decision.PENDING):
                try:
                    services.record_decision(item=item, decision=decision, by=request.user,
                                             rationale=item_form.cleaned_data.get("rationale"))
                except (InvalidTransition, ValidationError, PermissionDenied) as exc:
                    text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                    self.message_user(request, f"{item.change_notification.reference}: {text}",
                                      messages.ERROR)
        _mark_saved(formset)
        return None
