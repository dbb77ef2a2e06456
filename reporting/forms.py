from django import forms

from accounts.models import Role, User
from kernel.periods import Period
from services.models import Service

from .models import ImprovementOpportunity


def recent_months(n=6, now=None):
    """Return the last n finished months as (key, label), newest first."""
    month = Period.containing("month", now).previous()
    choices = []
    for _ in range(n):
        choices.append((month.key, month.label))
        month = month.previous()
    return choices


class KpiReturnUploadForm(forms.Form):
    period = forms.ChoiceField(label="Month reported on")
    file = forms.FileField(label="Return file (.csv or .xlsx)",
                           help_text="Columns: kpi, service, severity, value. Row 1 is the "
                                     "header; leave service empty for your total.")
    notes = forms.CharField(label="Notes for Switching Operations", required=False,
                            max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = recent_months(now=now)


class ReportRequestForm(forms.Form):
    period = forms.CharField(label="Period", max_length=30,
                             help_text="2026-10 (month), 2026-W43 (week), 2026-10-25 (day) or "
                                       "2026-10-01..2026-10-15.")

    def clean_period(self):
        try:
            return Period.parse(self.cleaned_data["period"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class ImprovementForm(forms.ModelForm):
    class Meta:
        model = ImprovementOpportunity
        fields = ["title", "description", "source", "source_reference", "service", "owner",
                  "benefit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Owners are Switching Operations or desk people, never participants or providers.
        self.fields["owner"].queryset = User.objects.filter(
            is_active=True, is_system_account=False,
            role__in=[Role.SWITCHING_OPERATIONS, Role.SERVICE_DESK]).order_by("username")


class ImprovementMoveForm(forms.Form):
    to = forms.ChoiceField(choices=ImprovementOpportunity.Status.choices, label="New status")
    reason = forms.CharField(required=False, max_length=2000, label="Why")


class ImprovementSuggestionForm(forms.Form):
    """A service provider's improvement recommendation (reporting.services.suggest_improvement)."""

    title = forms.CharField(max_length=200)
    description = forms.CharField(max_length=10000, widget=forms.Textarea(attrs={"rows": 5}),
                                  help_text="What could be better, and how.")
    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False)
    benefit = forms.CharField(max_length=5000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="The expected benefit, measurable where possible.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.visible_to(user)
