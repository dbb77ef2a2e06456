"""Portal forms; rules live in services/models, forms only parse input."""

from django import forms

from accounts import policy
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
    security = forms.BooleanField(
        required=False, label="This is an information security incident",
        help_text="Seen only by the Service Desk, Switching Operations, the provider it is "
                  "handed to and your organisation's security contacts.")
    raise_anyway = forms.BooleanField(required=False, widget=forms.HiddenInput,
                                      help_text="Set once the participant has seen the open "
                                                "major incidents and still raises its own.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.visible_to(user).filter(is_active=True)
        if not policy.may_raise_security_incident(user):
            del self.fields["security"]  # only security contacts raise them

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


BACKLOG_MAX = 10**12  # far above any backlog (the July 2023 P1 left 200,428 messages)


class ReconciliationProgressForm(forms.Form):
    """A party's progress on its backlog; the backlog and unit are asked for the first time."""

    backlog = forms.IntegerField(min_value=0, max_value=BACKLOG_MAX, required=False,
                                 help_text="The whole backlog the incident left you.")
    unit = forms.CharField(max_length=60, required=False,
                           help_text="What you count, e.g. 'delayed switch requests'.")
    remaining = forms.IntegerField(min_value=0, max_value=BACKLOG_MAX,
                                   label="Still to reconcile")
    expected_completion = forms.DateTimeField(
        required=False, help_text="UK time.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    note = forms.CharField(required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ReconciliationSignOffForm(forms.Form):
    note = forms.CharField(required=False, max_length=5000, label="Note (optional)")
