"""Fixed portal forms; the per-item request form is generated in servicerequests.answers."""

from django import forms

from accounts.models import Organisation, User

from .models import Channel


class OnBehalfForm(forms.Form):
    """What the desk adds when recording a phone or email request for someone."""

    requester = forms.ModelChoiceField(
        queryset=User.objects.none(), label="Requested by",
        help_text="The person who phoned or emailed; the request is for their organisation.")
    channel = forms.ChoiceField(choices=[(Channel.PHONE, "Phone"), (Channel.EMAIL, "Email")],
                                label="Received by")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="behalf", **kwargs)
        self.fields["requester"].queryset = (
            User.objects.people().filter(is_active=True, organisation__is_active=True)
            .exclude(organisation__kind__in=[Organisation.Kind.SERVICE_DESK,
                                             Organisation.Kind.SWITCHING_OPERATIONS])
            .select_related("organisation").order_by("organisation__name", "last_name"))
        self.fields["requester"].label_from_instance = (
            lambda u: f"{u.display_name} ({u.organisation.name}) – {u.username}")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")],
                                 widget=forms.RadioSelect)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              max_length=2000,
                              help_text="Required when rejecting; the requester sees it.")

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("comment") or "").strip():
            self.add_error("comment", "Say why you reject the request.")
        return data


class CommentForm(forms.Form):
    body = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 4}),
                           max_length=10000,
                           help_text="Everyone who can see this request reads it.")


class TransitionForm(forms.Form):
    to = forms.CharField(max_length=20)
    reason = forms.CharField(required=False, max_length=4000)
    # The portal asks before it cancels (a disclosure with a tick box); the API does not.
    confirm = forms.BooleanField(required=False)


class TaskForm(forms.Form):
    title = forms.CharField(max_length=200)
    group = forms.ModelChoiceField(queryset=Organisation.objects.none(), label="Hand to")
    instructions = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                   max_length=4000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Organisation.objects.resolver_groups().filter(
            is_active=True)


class TaskMoveForm(forms.Form):
    to = forms.ChoiceField(choices=[("in_progress", "Start"), ("done", "Done"),
                                    ("cancelled", "Cancel")])
    notes = forms.CharField(required=False, max_length=4000)
