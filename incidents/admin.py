"""The agent workspace: queues, time to breach, bulk actions, and a detail page with the
timeline, SLA panel and provider tasks. Every change goes through incidents.services."""

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from accounts import directory, policy
from accounts.admin_mixins import ConsoleAdmin, ReadOnlyConsoleAdmin, ReadOnlyInline, ReferenceDataAdmin
from accounts.models import Organisation, User
from kernel.clocks.units import fmt_duration
from kernel.paginators import EstimatedCountPaginator

from . import (
    console_forms,
    inbound,
    major_incidents,
    queues,
    reconciliation,
    security,
    services,
    sla_service,
)
from .admin_reconciliation import ReconciliationInline
from .communications import drafts as communication_drafts
from .errors import IncidentError
from .models import (
    SEVERITY_CHOICES,
    CommunicationCadence,
    Escalation,
    HeldEmail,
    Incident,
    MajorIncident,
    OlaTarget,
    PendingReason,
    PostIncidentReview,
    ProviderTask,
    ResolutionCode,
    SlaPolicy,
    SlaTarget,
    Status,
)
from .selectors import HISTORY, communications_of, multiparty_panels, tasks_seen_by
from .timeline import timeline_for

# The panel's state column: the engine's verdict in the console's words.
SLA_STATE = {"met": "met", "breached": "BREACHED", "within target": "ok",
             "not measured": "not measured (cancelled)", "no target": "–"}
REFERENCE_SEARCH = re.compile(r"(?:INC-?)?(\d{1,9})", re.IGNORECASE)


class QueueFilter(admin.SimpleListFilter):
    """The desk's queues (incidents.queues), each sorted by urgency."""

    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [(queue.key, queue.label) for queue in queues.QUEUES.values()]

    def queryset(self, request, queryset):
        queue = queues.QUEUES.get(self.value() or "")
        return queue.incidents(queryset, request.user) if queue else queryset


class WorkspaceActionForm(ActionForm):
    """Extra inputs shown beside the bulk-action picker."""

    resolver_group = forms.ModelChoiceField(
        queryset=Organisation.objects.resolver_groups().filter(is_active=True), required=False)
    severity = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                      choices=[("", "severity…"), *SEVERITY_CHOICES])
    resolution_code = forms.ChoiceField(required=False,
                                        choices=[("", "resolution code…"),
                                                 *ResolutionCode.choices])
    reason = forms.CharField(required=False, widget=forms.TextInput(
        attrs={"placeholder": "reason / resolution notes"}))
    master_reference = forms.CharField(required=False, widget=forms.TextInput(
        attrs={"placeholder": "master INC-…"}))


class TaskInline(ReadOnlyInline):
    model = ProviderTask
    fields = ["resolver_group", "status", "assigned_at", "assigned_by", "due", "ended_at",
              "ended_because", "ola_due_at", "time_used", "reason", "outcome"]
    verbose_name_plural = "Provider tasks (each with its OLA clock)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "resolver_group", "assigned_by", "ola_target__calendar")

    @admin.display(description="Due")
    def due(self, task):
        return task.due

    @admin.display(description="Time used")
    def time_used(self, task):
        clock = task.ola_clock()
        text = fmt_duration(clock.used)
        return format_html('{} <span class="sla-alert">OLA missed</span>', text) \
            if clock.breached else text



class EscalationInline(ReadOnlyInline):
    model = Escalation
    fields = ["clock", "level", "severity", "due_at", "created_at"]


class IncidentAddForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = ["organisation", "raised_by", "channel", "kind", "title", "description",
                  "services", "severity"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].required = False  # a service incident unless the desk says so

    def clean_kind(self):
        return self.cleaned_data.get("kind") or Incident.Kind.SERVICE

    def clean(self):
        data = super().clean()
        org, contact = data.get("organisation"), data.get("raised_by")
        if org and contact and contact.organisation_id != org.pk:
            self.add_error("raised_by", "The contact must belong to the raising organisation.")
        if (contact and data.get("kind") == Incident.Kind.SECURITY
                and not policy.may_raise_security_incident(contact)):
            self.add_error("raised_by", "A security incident's contact must be one of the "
                                        "organisation's security contacts.")
        return data


@admin.register(Incident)
class IncidentAdmin(ConsoleAdmin):
    # Time to breach sits by the reference and severity so it stays on screen at 1280 px.
    list_display = ["reference", "severity_badge", "time_to_breach", "status", "title",
                    "organisation", "assigned_group", "assignee", "major_badge"]
    list_filter = [QueueFilter, "status", "severity", "is_major", "kind", "channel"]
    # Reference look-ups take the unique index (see get_search_results); words search the
    # title and the raising organisation (descriptions are long: scanning them is slow).
    search_fields = ["title", "organisation__name"]
    search_help_text = "A reference (INC-000123 or 123), or words from the title or organisation."
    ordering = ["-pk"]  # without a queue: newest first on the primary key index
    list_select_related = ["organisation", "assigned_group", "assignee"]
    list_per_page = 50
    show_full_result_count = False  # a COUNT(*) over a million rows per page view is waste
    paginator = EstimatedCountPaginator  # and so is an exact count of a large queue
    action_form = WorkspaceActionForm
    actions = ["assign_selected", "set_severity_selected", "resolve_selected",
               "classify_security_selected", "release_security_selected",
               "link_to_master_selected"]
    fields = ["title", "description", "services", "assignee"]
    readonly_fields = ["reference", "status", "severity", "kind", "released_at", "organisation",
                       "raised_by", "channel", "created_at", "sla_panel"]
    inlines = [TaskInline, EscalationInline]
    change_form_template = "incidents/admin/change_form.html"
    filter_horizontal = ["services"]

    def workspace_url(self, incident):
        return reverse("admin:workspace_incident", args=[incident.reference])

    def get_ordering(self, request):
        """Queues are sorted by urgency (incidents.queues); the full list newest first."""
        if request.GET.get("queue") in queues.QUEUES:
            return queues.URGENCY
        return super().get_ordering(request)

    def get_fields(self, request, obj=None):
        if obj is None:
            return IncidentAddForm.Meta.fields
        return ["reference", "status", "severity", "kind", "released_at", "organisation",
                "raised_by", "channel", "created_at", *self.fields, "sla_panel"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = IncidentAddForm
        return super().get_form(request, obj, **kwargs)

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name != "assignee":
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        field = super().formfield_for_foreignkey(
            db_field, request, queryset=User.objects.incident_managers(), **kwargs)
        # The options from the process's list of managers; a choice is still checked
        # against the queryset when the form is posted.
        field.choices = [("", field.empty_label), *((person.pk, field.label_from_instance(person))
                                                    for person in directory.incident_managers())]
        return field

    def save_form(self, request, form, change):
        if change:
            return super().save_form(request, form, change)
        data = form.cleaned_data
        try:
            incident = services.raise_incident(
                organisation=data["organisation"], raised_by=data["raised_by"],
                title=data["title"], description=data["description"],
                services=data["services"], severity=data["severity"], channel=data["channel"],
                kind=data["kind"])
        except IncidentError as exc:
            raise PermissionDenied(str(exc)) from exc
        form.instance = incident
        form.save_m2m = lambda: None  # raise_incident has set the services already
        return incident

    def save_model(self, request, obj, form, change):
        if change:
            services.update_details(
                incident=obj, by=request.user, title=obj.title, description=obj.description,
                **({"assignee": obj.assignee} if "assignee" in form.changed_data else {}))

    def get_search_results(self, request, queryset, search_term):
        match = REFERENCE_SEARCH.fullmatch(search_term.strip())
        if match:
            return queryset.filter(reference=f"INC-{int(match.group(1)):06d}"), False
        return super().get_search_results(request, queryset, search_term)

    # --- columns ----------------------------------------------------------
    @admin.display(description="Sev", ordering="severity")
    def severity_badge(self, incident):
        return f"Sev{incident.severity}"

    @admin.display(description="Major")
    def major_badge(self, incident):
        """Flag major incidents only: a mark on every other row is noise."""
        return mark_safe('<span class="badge-major">MAJOR</span>') if incident.is_major else ""

    @admin.display(description="Time to breach", ordering=queues.next_due())
    def time_to_breach(self, incident):
        if not incident.is_open:
            return "—"
        if incident.response_breached or incident.resolution_breached:
            return format_html('<strong class="sla-alert">breached</strong>')
        dues = [incident.resolution_due_at] if not incident.sla_paused else []
        if incident.responded_at is None:
            dues.append(incident.response_due_at)
        dues = [d for d in dues if d]
        if not dues:
            return "paused"
        left = min(dues) - timezone.now()
        if left.total_seconds() < 1800:
            return format_html('<span class="sla-alert">{}</span>', fmt_duration(left))
        return fmt_duration(left)

    @admin.display(description="SLA (replayed from the transition rows)")
    def sla_panel(self, incident):
        figures = sla_service.figures_for(incident)
        rows = [(c.name.capitalize(), fmt_duration(c.target), fmt_duration(c.used),
                 fmt_duration(c.remaining), timezone.localtime(c.due_at).strftime("%d %b %H:%M"),
                 SLA_STATE[c.verdict] if not c.paused else "paused")
                for c in (figures.response, figures.resolution)]
        table = format_html_join(
            "", "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            rows)
        lines = format_html_join("", "<li>{}</li>", ((line,) for line in figures.explanation))
        return format_html(
            '<table><tr><th></th><th>Target</th><th>Used</th><th>Remaining</th><th>Due</th>'
            '<th>State</th></tr>{}</table><ul class="sla-explanation">{}</ul>'
            '<p><a href="{}">How SLA figures are computed</a></p>', table, lines,
            reverse("reporting:sla_rules"))

    # --- bulk actions -------------------------------------------------------
    def _bulk(self, request, queryset, verb, fn):
        if not policy.may_work_incident(request.user):
            raise PermissionDenied
        done, failed = 0, []
        for incident in queryset:
            try:
                fn(incident)
                done += 1
            except IncidentError as exc:
                failed.append(f"{incident.reference}: {exc}")
        if done:
            self.message_user(request, f"{verb} {done} incident(s).", messages.SUCCESS)
        for failure in failed:
            self.message_user(request, failure, messages.ERROR)

    def _bulk_with(self, request, queryset, verb, form_class):
        if not policy.may_work_incident(request.user):
            raise PermissionDenied
        form = form_class(request.POST)
        if not form.is_valid():
            return self.message_user(request, form.error_text(), messages.ERROR)
        return self._bulk(request, queryset, verb,
                          lambda incident: form.perform(incident=incident, by=request.user))

    @admin.action(description="Assign to the chosen resolver group")
    def assign_selected(self, request, queryset):
        return self._bulk_with(request, queryset, "Assigned", console_forms.AssignAction)

    @admin.action(description="Set the chosen severity (reason required)")
    def set_severity_selected(self, request, queryset):
        return self._bulk_with(request, queryset, "Re-graded", console_forms.SeverityAction)

    @admin.action(description="Resolve (resolution code and notes required)")
    def resolve_selected(self, request, queryset):
        return self._bulk_with(request, queryset, "Resolved", console_forms.ResolveAction)

    @admin.action(description="Make a security incident (reason required)")
    def classify_security_selected(self, request, queryset):
        reason = request.POST.get("reason", "")
        return self._bulk(request, queryset, "Classified", lambda incident: (
            security.classify_as_security_incident(incident=incident, by=request.user,
                                                   reason=reason)))

    @admin.action(description="Release security incident to public status (reason required)")
    def release_security_selected(self, request, queryset):
        reason = request.POST.get("reason", "")
        return self._bulk(request, queryset, "Released", lambda incident: (
            security.release_security_incident(incident=incident, by=request.user,
                                               reason=reason)))

    @admin.action(description="Gather under the master incident (give its reference)")
    def link_to_master_selected(self, request, queryset):
        return self._bulk_with(request, queryset, "Gathered", console_forms.BulkLinkToMasterAction)

    # --- the detail page's work forms -----------------------------------------
    def get_urls(self):
        view = self.admin_site.admin_view(self.workspace_action)
        return [path("<path:object_id>/act/<slug:action>/", view,
                     name="incidents_incident_act"), *super().get_urls()]

    def get_object(self, request, object_id, from_field=None):
        """Read the incident for its page once per request (this view and Django's form
        view both ask), with what the page shows of it: its parties, policy, plan and
        services, its status and severity history (the timeline and the SLA panel's replay
        share it) and whether it has any links or children to read."""
        read = request.__dict__.setdefault("_incidents_read", {})
        key = (object_id, from_field)
        if key not in read:
            field = Incident._meta.get_field(from_field) if from_field else Incident._meta.pk
            queryset = self.get_queryset(request).for_detail_page().prefetch_related(*HISTORY)
            try:
                read[key] = queryset.get(**{field.name: field.to_python(object_id)})
            except (Incident.DoesNotExist, ValidationError, ValueError):
                read[key] = None
        return read[key]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        incident = self.get_object(request, object_id)
        extra = {}
        if incident is not None:
            tasks, communications = (tasks_seen_by(incident, request.user),
                                     communications_of(incident))
            extra = {
                "timeline": timeline_for(incident, request.user, tasks=tasks,
                                         communications=communications,
                                         transitions=incident.transitions.all(),
                                         severity_changes=incident.severity_changes.all()),
                "may_work": policy.may_work_incident(request.user),
                "may_replay": policy.may_replay_sla(request.user),
                "statuses": [(s, Status(s).label) for s in sorted(incident.allowed_targets())],
                "pending_reasons": PendingReason.choices,
                "resolution_codes": ResolutionCode.choices,
                "severity_choices": SEVERITY_CHOICES,
                "resolver_groups": directory.active_resolver_groups(),
                "managers": directory.incident_managers(),
                "major": getattr(incident, "major", None) if incident.is_major else None,
                **multiparty_panels(incident, tasks=tasks, communications=communications),
                "communication_drafts": communication_drafts(incident),
            }
        return super().change_view(request, object_id, form_url, {**extra,
                                                                  **(extra_context or {})})

    def workspace_action(self, request, object_id, action):
        return require_POST(self._workspace_action)(request, object_id, action)

    def _workspace_action(self, request, object_id, action):
        incident = get_object_or_404(self.get_queryset(request), pk=object_id)
        back = redirect(reverse("admin:incidents_incident_change", args=[incident.pk]))
        user = request.user
        if action == "replay":
            if not policy.may_replay_sla(user):
                raise PermissionDenied
            figures = sla_service.refresh_sla(incident)
            self.message_user(request, "SLA recomputed from the transition rows: "
                              + " ".join(figures.explanation), messages.SUCCESS)
            return back
        if not policy.may_work_incident(user):
            raise PermissionDenied
        if action not in console_forms.WORKSPACE_ACTIONS:
            raise PermissionDenied
        form = console_forms.WORKSPACE_ACTIONS[action](request.POST)
        if not form.is_valid():
            self.message_user(request, form.error_text(), messages.ERROR)
            return back
        try:
            result = form.perform(incident=incident, by=user)
        except IncidentError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, form.done(incident, result), messages.SUCCESS)
        return back


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0

    def has_view_permission(self, request, obj=None):
        return policy.may_use_console(request.user)

    def _editable(self, request, obj):
        # A version incidents have pinned is history: change it by adding a new version.
        return policy.may_manage_reference_data(request.user) and not (
            obj and obj.pk and obj.incidents.exists())

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ReferenceDataAdmin):
    list_display = ["name", "effective_from", "pause_awaiting_participant",
                    "pause_awaiting_provider", "warning_percent", "auto_close_days",
                    "reopen_window_days"]
    inlines = [SlaTargetInline]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.incidents.exists():
            return False  # pinned by incidents: add a new version instead
        return super().has_change_permission(request, obj)


@admin.register(OlaTarget)
class OlaTargetAdmin(ReferenceDataAdmin):
    list_display = ["resolver_group", "severity", "resolution_amount", "resolution_unit",
                    "calendar"]
    list_filter = ["resolver_group", "severity"]


@admin.register(CommunicationCadence)
class CommunicationCadenceAdmin(ReferenceDataAdmin):
    """How often a major incident's communications are due, per severity: a plan started
    after a change takes the new cadence (a running plan keeps the one it started with)."""

    list_display = ["severity", "minutes"]
    ordering = ["severity"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyConsoleAdmin):
    list_display = ["incident", "clock", "level", "severity", "due_at", "created_at"]
    list_filter = ["clock", "level", "severity"]
    list_select_related = ["incident"]
    search_fields = ["incident__reference"]


class ReviewInline(admin.StackedInline):
    model = PostIncidentReview
    extra = 0
    can_delete = False
    fields = ["owner", "due_date", "status", "findings", "completed_at"]
    readonly_fields = ["owner", "due_date", "status", "completed_at"]

    def has_view_permission(self, request, obj=None):
        return policy.may_use_console(request.user)

    def has_change_permission(self, request, obj=None):
        return policy.may_change_in_console(request.user)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MajorIncident)
class MajorIncidentAdmin(ConsoleAdmin):
    list_display = ["incident", "declared_at", "manager", "bcdr_invoked"]
    list_select_related = ["incident", "manager"]
    fields = ["incident", "declared_by", "declared_at", "manager", "summary", "bcdr_invoked",
              "bcdr_invoked_at"]
    readonly_fields = fields
    inlines = [ReviewInline, ReconciliationInline]
    actions = ["open_reconciliation"]

    def has_add_permission(self, request):
        return False  # declared from the incident's page

    @admin.action(description="Open reconciliation items (resolved incidents only)",
                  permissions=["change"])
    def open_reconciliation(self, request, queryset):
        """For a major incident resolved before an affected party was known, or re-run."""
        opened = 0
        for major in queryset.select_related("incident"):
            if major.incident.resolved_at is None:
                self.message_user(request, f"{major.incident.reference} is not resolved yet.",
                                  messages.WARNING)
                continue
            opened += len(reconciliation.open_reconciliation(major=major))
        self.message_user(request, f"Opened {opened} reconciliation item(s).", messages.SUCCESS)


@admin.register(PostIncidentReview)
class PostIncidentReviewAdmin(ConsoleAdmin):
    list_display = ["major_incident", "owner", "due_date", "status"]
    list_filter = ["status"]
    readonly_fields = ["major_incident", "owner", "due_date", "status", "completed_at"]
    fields = [*readonly_fields, "findings"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        try:
            major_incidents.complete_review(review=obj, by=request.user, findings=obj.findings)
        except IncidentError as exc:
            self.message_user(request, str(exc), messages.ERROR)


@admin.register(HeldEmail)
class HeldEmailAdmin(ConsoleAdmin):
    """Mail the desk must look at: record it as an incident (console add) and mark it handled."""

    list_display = ["subject", "sender", "why", "handled_by", "handled_at"]
    list_filter = [("handled_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["sender", "subject", "body", "why", "released_as", "handled_by",
                       "handled_at"]
    fields = readonly_fields
    actions = ["mark_handled"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Mark as handled")
    def mark_handled(self, request, queryset):
        for held in queryset.filter(handled_at__isnull=True):
            inbound.mark_handled(held=held, by=request.user)


