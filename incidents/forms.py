"""Portal forms; rules live in services/models, forms only parse input."""

from django import forms

from kernel.attachments import POLICY
from services.models import Service

from .models import SEVERITY_GUIDANCE, PendingReason, ResolutionCode


def _checked_upload(upload):
    """Return the upload if the attachment policy accepts it (a refusal is the field's error)."""
    if upload:
        POLICY.content_type(upload)
    return upload


class RaiseIncidentForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="One line: what is wrong.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}),
                                  help_text="What happened, when, and who is affected. "
                                            "Include MPRNs/MPANs and message ids if you can.")
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text="The central services affected.")
    severity = forms.TypedChoiceField(
        coerce=int, widget=forms.RadioSelect,
        choices=[(n, f"Sev{n}: {text}") for n, text in SEVERITY_GUIDANCE.items()],
        help_text="Your proposal; the Service Desk confirms the severity.")
    attachment = forms.FileField(required=False, help_text="Optional: a screenshot, log or "
                                 "file of up to 10 MB (PDF, image, text, CSV, Office, zip).")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.visible_to(user).filter(is_active=True)

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Enter a title.")
        return title

    def clean_attachment(self):
        return _checked_upload(self.cleaned_data.get("attachment"))


class CommentForm(forms.Form):
    body = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 4}),
                           max_length=10000)
    attachment = forms.FileField(required=False)

    def clean_attachment(self):
        return _checked_upload(self.cleaned_data.get("attachment"))


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=[("in_progress", "In progress"), ("pending", "Pending"),
                                    ("resolved", "Resolved"), ("closed", "Closed"),
                                    ("cancelled", "Cancelled")])
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=5000)
    pending_reason = forms.ChoiceField(choices=[("", "—"), *PendingReason.choices],
                                       required=False)
    resolution_code = forms.ChoiceField(choices=[("", "—"), *ResolutionCode.choices],
                                        required=False)
    # The portal asks before it cancels (a disclosure with a tick box).
    confirm = forms.BooleanField(required=False)
