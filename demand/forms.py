"""Portal forms of the demand app. Times are entered in UK time (settings.TIME_ZONE)."""

from django import forms

from accounts.models import Organisation
from services.models import Service

from .models import ExcessiveDemandAlert, Forecast, Unit, validate_window

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ForecastForm(forms.ModelForm):
    service = forms.ModelChoiceField(queryset=Service.objects.active(), to_field_name="code")
    window_start = forms.DateTimeField(label="Window starts (UK time)", widget=DATETIME_WIDGET)
    window_end = forms.DateTimeField(label="Window ends (UK time)", widget=DATETIME_WIDGET)
    volume = forms.IntegerField(min_value=1, max_value=10_000_000,
                                label="Expected volume per hour")

    class Meta:
        model = Forecast
        fields = ["service", "window_start", "window_end", "volume", "unit", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"reason": "What drives the demand, e.g. a migration of 40 000 customers."}

    def clean(self):
        data = super().clean()
        for field, message in validate_window(data.get("window_start"),
                                              data.get("window_end")).items():
            self.add_error(field, message)
        return data


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: service, window_start, window_end, volume, unit, reason. Times in UK "
                  "time (e.g. 2026-03-02T08:00) or with an offset. Nothing is imported if any "
                  "row is wrong.",
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=[
        (s.value, s.label) for s in ExcessiveDemandAlert.Status
        if s != ExcessiveDemandAlert.Status.OPEN
    ], widget=forms.RadioSelect)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Decision and reason")


class ShareForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.providers().filter(is_active=True),
        to_field_name="short_code", label="Share in full with provider",
    )
    reason = forms.CharField(required=False, max_length=500)


class WithdrawForm(forms.Form):
    reason = forms.CharField(required=False, max_length=500, label="Why (optional)")


class PeriodForm(forms.Form):
    """The period shown on the calendar and the forecast-vs-actual page."""

    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            label="From (UK date)")
    days = forms.IntegerField(required=False, min_value=1, max_value=31, initial=7)
    unit = forms.ChoiceField(required=False, choices=Unit.choices)


class ProviderRiskForm(forms.Form):
    """A risk a service provider raises (demand.services.raise_provider_risk)."""

    title = forms.CharField(max_length=200)
    description = forms.CharField(max_length=10000, widget=forms.Textarea(attrs={"rows": 5}),
                                  help_text="What could happen, why, and what it would affect.")
    services = forms.ModelMultipleChoiceField(queryset=Service.objects.none(), required=False)
    likelihood = forms.TypedChoiceField(coerce=int, initial=3, choices=[
        (n, f"{n}") for n in range(1, 6)], help_text="1 (rare) to 5 (almost certain).")
    impact = forms.TypedChoiceField(coerce=int, initial=3, choices=[
        (n, f"{n}") for n in range(1, 6)], help_text="1 (negligible) to 5 (severe).")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.visible_to(user)
