"""Console pages: the risk register and capacity thresholds (Operations), forecasts and alerts."""

from django.contrib import admin, messages

from accounts import policy
from accounts.admin_mixins import ConsoleAdmin, ReadOnlyConsoleAdmin

from .errors import InvalidTransition
from .models import CapacityThreshold, ExcessiveDemandAlert, Forecast, Risk, RiskTransition


class OperationsAdmin(ConsoleAdmin):
    """Staff read; Switching Operations change (demand decisions and the risk register)."""

    def has_add_permission(self, request):
        return policy.may_decide_demand(request.user)

    def has_change_permission(self, request, obj=None):
        return policy.may_decide_demand(request.user)


@admin.register(CapacityThreshold)
class CapacityThresholdAdmin(OperationsAdmin):
    list_display = ["service", "unit", "name", "other_times", "days", "start_time", "end_time",
                    "max_volume", "is_active"]
    list_filter = ["service", "unit", "is_active"]
    list_select_related = ["service"]


@admin.register(Forecast)
class ForecastAdmin(ReadOnlyConsoleAdmin):
    """Forecasts change only through their lifecycle (portal, API), never by editing."""

    list_display = ["reference", "service", "organisation", "window_start", "window_end",
                    "volume", "unit", "status"]
    list_filter = ["status", "service", "unit"]
    search_fields = ["reason", "organisation__name"]
    list_select_related = ["service", "organisation"]
    date_hierarchy = "window_start"


@admin.register(ExcessiveDemandAlert)
class ExcessiveDemandAlertAdmin(ReadOnlyConsoleAdmin):
    list_display = ["reference", "service", "peak_volume", "max_volume", "peak_at", "status"]
    list_filter = ["status", "service"]
    list_select_related = ["service"]


class RiskTransitionInline(admin.TabularInline):
    model = RiskTransition
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "by", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return policy.may_view_risks(request.user)


def _move(status, label):
    def act(modeladmin, request, queryset):
        for risk in queryset:
            try:
                risk.transition(to=status, by=request.user,
                                reason=f"{label} in the console")
            except InvalidTransition as exc:
                modeladmin.message_user(request, str(exc), messages.ERROR)
    act.__name__ = f"mark_{status}"
    act.short_description = f"{label} selected risks"
    act.allowed_permissions = ("change",)
    return act


@admin.register(Risk)
class RiskAdmin(OperationsAdmin):
    list_display = ["reference", "title", "score", "likelihood", "impact", "status", "owner",
                    "review_date", "source"]
    list_filter = ["status", "source", "services"]
    search_fields = ["title", "description", "source_reference"]
    list_select_related = ["owner"]
    filter_horizontal = ["services"]
    readonly_fields = ["reference", "score", "status", "source", "source_reference", "alert",
                       "raised_by", "created_at"]
    fields = ["reference", "title", "description", "services", "owner", "likelihood", "impact",
              "score", "mitigation", "review_date", "status", "source", "source_reference",
              "alert", "raised_by", "created_at"]
    inlines = [RiskTransitionInline]
    actions = [_move(Risk.Status.OPEN, "Open"), _move(Risk.Status.MITIGATING, "Start mitigating")]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.raised_by = request.user
            obj.source = Risk.Source.MANUAL
        super().save_model(request, obj, form, change)
        if not change:
            RiskTransition.objects.create(risk=obj, to_status=obj.status, by=request.user,
                                          reason="Raised in the console")
