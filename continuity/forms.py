"""Portal forms of the continuity app; rules live in services, forms only parse input."""

from django import forms

from .models import DisasterRecoveryTest


class DisasterRecoveryTestForm(forms.Form):
    tested_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    scenario = forms.CharField(max_length=300, help_text="What was simulated.")
    result = forms.ChoiceField(choices=DisasterRecoveryTest.Result.choices)
    recovery_minutes = forms.IntegerField(min_value=0, max_value=100_000, required=False,
                                          label="Time to recover (minutes)")
    data_loss_minutes = forms.IntegerField(min_value=0, max_value=100_000, required=False,
                                           label="Data lost (minutes)")
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False,
                               max_length=10000)


class CompleteActionForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           max_length=5000)
