"""The desk's console: request queues, approvals, fulfilment tasks, and the catalogue that
Switching Operations maintains. Every change to a request goes through services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts import policy
from accounts.admin_mixins import (
    ConsoleAdmin,
    ReadOnlyInline,
    ReferenceDataAdmin,
    ReferenceDataInline,
)

from . import services
from .answers import add_errors, form_for
from .errors import InvalidAnswers, RequestError
from .forms import OnBehalfForm
from .models import (
    Approval,
    FulfilmentTask,
    RequestField,
    RequestItem,
    RequestSlaPolicy,
    RequestSlaVersion,
    ServiceRequest,
    Status,
)
from .timeline import timeline_for


class RequestSlaVersionInline(ReferenceDataInline, admin.TabularInline):
    model = RequestSlaVersion
    extra = 0


@admin.register(RequestSlaPolicy)
class RequestSlaPolicyAdmin(ReferenceDataAdmin):
    list_display = ["name", "code", "in_force"]
    inlines = [RequestSlaVersionInline]

    @admin.display(description="In force now")
    def in_force(self, obj):
        version = obj.version_in_force()
        return str(version) if version else "—"


class RequestFieldInline(ReferenceDataInline, admin.StackedInline):
    model = RequestField
    extra = 0
    fields = [("key", "label", "field_type", "required", "order"), "choices",
              ("min_value", "max_value"), ("regex", "regex_message"), "help_text"]


@admin.register(RequestItem)
class RequestItemAdmin(ReferenceDataAdmin):
    list_display = ["name", "code", "audience", "approver_role", "fulfilment_group",
                    "sla_policy", "effect", "is_active"]
    list_filter = ["audience", "approver_role", "fulfilment_group", "is_active"]
    search_fields = ["name", "code", "description"]
    inlines = [RequestFieldInline]


class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("to_start", "To start (submitted or approved)"),
                ("approval", "Awaiting approval"), ("fulfilment", "In fulfilment"),
                ("breached", "Breached"), ("open", "All open")]

    def queryset(self, request, queryset):
        return {
            "to_start": queryset.awaiting_fulfilment,
            "approval": queryset.awaiting_approval,
            "fulfilment": lambda: queryset.filter(status=Status.IN_FULFILMENT),
            "breached": lambda: queryset.open().breached(),
            "open": queryset.open,
        }.get(self.value(), lambda: queryset)()


class TaskInline(ReadOnlyInline):
    model = FulfilmentTask
    fields = ["title", "assigned_group", "status", "due_at", "breached", "notes"]
    readonly_fields = fields


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ConsoleAdmin):
    list_display = ["reference", "item", "organisation", "requester", "channel", "status",
                    "created_at", "time_to_target"]
    list_filter = [QueueFilter, "status", "item", "channel"]
    search_fields = ["reference", "requester__username", "organisation__name"]
    list_select_related = ["item", "organisation", "requester"]
    ordering = ["fulfilment_due_at"]
    readonly_fields = ["reference", "item", "organisation", "requester", "raised_by", "channel",
                       "status", "created_at", "responded_at", "fulfilled_at", "closed_at",
                       "response_due_at", "fulfilment_due_at", "response_breached",
                       "fulfilment_breached", "sla_paused", "outcome", "answer_list",
                       "work_page"]
    exclude = ["answers", "sla_version"]
    inlines = [TaskInline]
    actions = ["start_fulfilment"]
    change_form_template = "servicerequests/admin/change_form.html"
    change_list_template = "servicerequests/admin/change_list.html"

    def workspace_url(self, obj):
        return reverse("admin:workspace_record", args=["request", obj.pk])

    def has_add_permission(self, request):
        return False  # recorded through "Record a phone or email request", which validates

    def has_change_permission(self, request, obj=None):
        return False  # moves go through the work page, never by editing fields

    @admin.display(description="Time to target", ordering="fulfilment_due_at")
    def time_to_target(self, obj):
        if not obj.is_open:
            return obj.get_status_display()
        if obj.sla_paused:
            return "Paused for approval"
        if obj.fulfilment_breached or obj.response_breached:
            return format_html('<strong class="sla-alert">Breached</strong>')
        return f"due {timezone.localtime(obj.fulfilment_due_at):%d %b %H:%M}"

    @admin.display(description="Answers")
    def answer_list(self, obj):
        rows = obj.answer_rows()
        if not rows:
            return "—"
        return format_html("<br>".join("<strong>{}</strong>: {}" for _ in rows),
                           *[part for row in rows for part in row])

    @admin.display(description="Work this request")
    def work_page(self, obj):
        return format_html('<a class="button" href="{}">Open the work page</a>',
                           obj.get_absolute_url())

    @admin.action(description="Start fulfilment of the selected requests")
    def start_fulfilment(self, request, queryset):
        if not policy.may_work_service_requests(request.user):
            raise PermissionDenied
        started = 0
        for sr in queryset:
            try:
                services.start_fulfilment(service_request=sr, by=request.user)
                started += 1
            except RequestError as exc:
                self.message_user(request, str(exc), messages.WARNING)
        self.message_user(request, f"{started} request(s) taken into fulfilment.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = {"timeline": timeline_for(obj) if obj else []}
        return super().change_view(request, object_id, form_url, {**extra,
                                                                   **(extra_context or {})})

    def get_urls(self):
        return [path("record/", self.admin_site.admin_view(self.record_view),
                     name="servicerequests_servicerequest_record"), *super().get_urls()]

    def record_view(self, request):
        """Record a phone or email request for a caller, with the item's generated form."""
        if not policy.may_raise_request_on_behalf(request.user):
            raise PermissionDenied
        items = RequestItem.objects.active()
        item = items.filter(code=request.GET.get("item", "")).first()
        on_behalf = form = None
        if item is not None:
            on_behalf = OnBehalfForm(request.POST or None)
            form = form_for(item, request.POST or None)
            if request.method == "POST":
                form.is_valid()  # bind errors for display; services re-validate the raw data
            if request.method == "POST" and on_behalf.is_valid():
                try:
                    sr = services.raise_request(
                        item=item, raised_by=request.user, answers=request.POST,
                        requester=on_behalf.cleaned_data["requester"],
                        channel=on_behalf.cleaned_data["channel"])
                except InvalidAnswers as exc:
                    add_errors(form, exc.errors)
                except RequestError as exc:
                    form.add_error(None, str(exc))
                else:
                    self.message_user(request, f"{sr.reference} recorded for "
                                               f"{sr.requester.display_name}.")
                    return redirect(reverse("admin:servicerequests_servicerequest_change",
                                            args=[sr.pk]))
        return TemplateResponse(request, "servicerequests/admin/record.html", {
            **self.admin_site.each_context(request), "title": "Record a phone or email request",
            "opts": self.model._meta, "items": items, "item": item, "form": form,
            "on_behalf": on_behalf})


@admin.register(Approval)
class ApprovalAdmin(ConsoleAdmin):
    list_display = ["request_link", "approver_role", "decision", "requested_at", "decided_by",
                    "decided_at"]
    list_filter = ["decision", "approver_role"]
    list_select_related = ["request", "decided_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(
            request__in=ServiceRequest.objects.visible_to(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # decided on the decision page, by the named approver role only

    @admin.display(description="Request")
    def request_link(self, obj):
        url = reverse("servicerequests:decide", args=[obj.request.reference]) \
            if obj.decision == Approval.Decision.PENDING else obj.request.get_absolute_url()
        return format_html('<a href="{}">{}</a>', url, obj.request.reference)


class GroupFilter(admin.SimpleListFilter):
    title = "group"
    parameter_name = "group"

    def lookups(self, request, model_admin):
        return [("mine", "My group"), ("providers", "With CDS providers")]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.for_group(request.user.organisation_id)
        if self.value() == "providers":
            return queryset.filter(assigned_group__kind="cds_provider")
        return queryset


@admin.register(FulfilmentTask)
class FulfilmentTaskAdmin(ConsoleAdmin):
    list_display = ["title", "request_link", "assigned_group", "status", "due_at", "breached"]
    list_filter = [GroupFilter, "status", "breached"]
    list_select_related = ["request", "assigned_group"]
    ordering = ["due_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # moved on the request's work page or by API, with notes

    @admin.display(description="Request")
    def request_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.request.get_absolute_url(),
                           obj.request.reference)
