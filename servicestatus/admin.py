"""Agent console pages. State changes go through the same service functions as the portal."""

from django.contrib import admin, messages

from accounts import policy
from accounts.admin_mixins import ConsoleAdmin, ReadOnlyConsoleAdmin, ReadOnlyInline, ReferenceDataAdmin

from .events import review_event
from .models import (
    Bulletin,
    Event,
    EventRule,
    ServiceState,
    StatusInterval,
    Subscription,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from .services import recompute_status


@admin.register(ServiceState)
class ServiceStateAdmin(ConsoleAdmin):
    """Status is set on the portal's service page (with a reason); here only derivation is
    switched on or off, after which the status is re-derived."""

    list_display = ["service", "status", "since", "at_risk", "manual_status", "auto_derive"]
    list_filter = ["status", "at_risk", "auto_derive"]
    fields = ["service", "status", "since", "reason", "at_risk", "at_risk_because",
              "manual_status", "manual_reason", "manual_set_by", "manual_set_at", "auto_derive"]
    readonly_fields = [f for f in fields if f != "auto_derive"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        recompute_status([obj.service_id])


@admin.register(StatusInterval)
class StatusIntervalAdmin(ReadOnlyConsoleAdmin):
    list_display = ["service", "status", "start", "end", "cause", "cause_reference", "set_by"]
    list_filter = ["status", "cause", "service"]
    date_hierarchy = "start"


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyConsoleAdmin):
    """Published from the portal (which emails and webhooks the audience); read here."""

    list_display = ["title", "kind", "audience", "market_role", "status", "published_at",
                    "requires_acknowledgement"]
    list_filter = ["kind", "audience", "status"]
    search_fields = ["title", "body"]


@admin.register(EventRule)
class EventRuleAdmin(ReferenceDataAdmin):
    list_display = ["__str__", "is_enabled", "raise_incident", "incident_severity",
                    "set_degraded", "degraded_hold"]


@admin.register(Event)
class EventAdmin(ReadOnlyConsoleAdmin):
    list_display = ["last_seen", "service", "severity", "count", "source", "message",
                    "incident_reference", "cleared_at", "reviewed_at"]
    list_filter = ["severity", ("cleared_at", admin.EmptyFieldListFilter),
                   ("reviewed_at", admin.EmptyFieldListFilter), "service"]
    search_fields = ["message", "dedup_key", "source"]
    actions = ["mark_reviewed"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not policy.may_review_events(request.user):
            actions.pop("mark_reviewed", None)
        return actions

    @admin.action(description="Mark selected warnings as reviewed")
    def mark_reviewed(self, request, queryset):
        events = list(queryset.filter(reviewed_at__isnull=True))
        for event in events:
            review_event(event=event, by=request.user)
        messages.success(request, f"{len(events)} event(s) marked reviewed.")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyConsoleAdmin):
    list_display = ["url", "organisation", "is_enabled", "consecutive_failures", "disabled_at"]
    list_filter = ["is_enabled"]
    exclude = ["secret"]


class WebhookAttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = ["attempted_at", "status_code", "error", "duration_ms"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyConsoleAdmin):
    list_display = ["created_at", "endpoint", "event_type", "status", "attempts",
                    "last_status_code", "next_attempt_at"]
    list_filter = ["status", "event_type"]
    inlines = [WebhookAttemptInline]


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyConsoleAdmin):
    list_display = ["user", "service", "bulletin_kind", "created_at"]
