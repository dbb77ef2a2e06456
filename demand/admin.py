"""Console pages: the risk register and capacity thresholds (Operations), forecasts and alerts."""

from copy import copy

from django import forms
from django.contrib import admin

from accounts import policy
from accounts.admin_mixins import ConsoleAdmin, ReadOnlyConsoleAdmin, ReadOnlyInline

from . import services
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
    list_display = ["reference", "basis", "service", "peak_volume", "max_volume", "peak_at",
                    "status"]
    list_filter = ["status", "basis", "service"]
    list_select_related = ["service"]


class RiskTransitionInline(ReadOnlyInline):
    model = RiskTransition
    fields = ["at", "from_status", "to_status", "by", "reason", "channel"]


class RiskForm(forms.ModelForm):
    """The console form: edit the risk and, optionally, move it on with a reason."""

    move_to = forms.ChoiceField(required=False, label="Move to status",
                                choices=[("", "— keep the current status —"),
                                         *Risk.Status.choices])
    move_reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                  label="Why (recorded with the status change)")

    class Meta:
        model = Risk
        fields = ["title", "description", "services", "owner", "likelihood", "impact",
                  "mitigation", "review_date"]

    def clean(self):
        data = super().clean()
        to = data.get("move_to")
        if to:
            probe = copy(self.instance)
            for name in ("owner", "review_date", "mitigation"):
                setattr(probe, name, data.get(name) if name in data else getattr(probe, name))
            probe.mitigation = probe.mitigation or ""
            try:
                probe.check_transition(to=to, reason=data.get("move_reason", ""))
            except InvalidTransition as exc:
                raise forms.ValidationError(str(exc)) from None
        return data


@admin.register(Risk)
class RiskAdmin(OperationsAdmin):
    list_display = ["reference", "title", "score", "likelihood", "impact", "status", "owner",
                    "review_date", "source"]
    list_filter = ["status", "source", "services"]
    search_fields = ["title", "description", "source_reference"]
    list_select_related = ["owner"]
    filter_horizontal = ["services"]
    readonly_fields = ["reference", "score", "status", "source", "source_reference", "alert",
                       "raised_by", "raised_by_organisation", "created_at"]
    fields = ["reference", "title", "description", "services", "owner", "likelihood", "impact",
              "score", "mitigation", "review_date", "status", "source", "source_reference",
              "alert", "raised_by", "raised_by_organisation", "created_at", "move_to",
              "move_reason"]
    inlines = [RiskTransitionInline]
    form = RiskForm

    def save_model(self, request, obj, form, change):
        services.save_risk(risk=obj, by=request.user, move_to=form.cleaned_data.get("move_to"),
                           reason=form.cleaned_data.get("move_reason", ""))
