"""Console pages: KPI targets and tolerances (Operations), returns, reports, the CSI register."""

from django import forms
from django.contrib import admin

from accounts import policy
from accounts.admin_mixins import ConsoleAdmin, ReadOnlyConsoleAdmin, ReadOnlyInline, ReferenceDataAdmin

from .kpis import definitions
from .models import (
    ImprovementOpportunity,
    ImprovementTransition,
    KpiReturn,
    KpiReturnFigure,
    KpiSetting,
    ServiceReport,
)


class KpiSettingForm(forms.ModelForm):
    key = forms.ChoiceField(choices=[(k.key, f"{k.title} ({k.unit})") for k in definitions.KPIS])

    class Meta:
        model = KpiSetting
        fields = ["key", "target", "tolerance"]

    def clean(self):
        data = super().clean()
        if data.get("key") == "availability" and data.get("target") is not None:
            self.add_error("target", "Availability targets are set per service in the "
                                     "catalogue; only the tolerance is set here.")
        return data


@admin.register(KpiSetting)
class KpiSettingAdmin(ReferenceDataAdmin):
    form = KpiSettingForm
    list_display = ["key", "target", "tolerance", "updated_at"]


class FigureInline(admin.TabularInline):
    model = KpiReturnFigure
    extra = 0
    can_delete = False
    fields = ["kpi", "service", "severity", "value"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(KpiReturn)
class KpiReturnAdmin(ReadOnlyConsoleAdmin):
    """Returns are what providers said: never edited, only superseded by a resubmission."""

    list_display = ["reference", "provider", "period", "channel", "submitted_at", "due_on",
                    "is_current"]
    list_filter = ["period", "provider", "is_current", "channel"]
    list_select_related = ["provider"]
    inlines = [FigureInline]


@admin.register(ServiceReport)
class ServiceReportAdmin(ReadOnlyConsoleAdmin):
    list_display = ["period", "edition", "trigger", "status", "progress", "created_at",
                    "published_at"]
    list_filter = ["edition", "status", "trigger"]


class ImprovementTransitionInline(ReadOnlyInline):
    model = ImprovementTransition
    fields = ["at", "from_status", "to_status", "by", "reason", "channel"]


@admin.register(ImprovementOpportunity)
class ImprovementOpportunityAdmin(ConsoleAdmin):
    """The CSI register: status moves through the portal page (recorded transitions)."""

    list_display = ["reference", "title", "source", "owner", "status", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["title", "description", "source_reference"]
    readonly_fields = ["status", "source_reference", "kpi"]
    inlines = [ImprovementTransitionInline]

    def has_add_permission(self, request):
        return False  # recorded through reporting.services (writes the first transition row)

    def has_change_permission(self, request, obj=None):
        return policy.may_manage_csi(request.user)

from . import admin_providers  # noqa: E402, F401  (provider records and service reviews)
