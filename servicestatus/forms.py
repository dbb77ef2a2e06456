from django import forms
from django.core.exceptions import ValidationError

from services.models import Service

from .models import Bulletin, Status, WebhookEndpoint
from .webhooks import check_url


class SetStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Shown to signed-in participants and kept in the history.")


class ReturnToAutomaticForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False)


class BulletinForm(forms.ModelForm):
    class Meta:
        model = Bulletin
        fields = ["kind", "audience", "market_role", "title", "body", "services",
                  "requires_acknowledgement", "expires_at"]
        widgets = {"expires_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
                   "services": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["market_role"].required = False
        self.fields["services"].queryset = Service.objects.active()


class SubscriptionForm(forms.Form):
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Email me when the status of these services changes.",
    )
    bulletin_kinds = forms.MultipleChoiceField(
        choices=Bulletin.Kind.choices, required=False, widget=forms.CheckboxSelectMultiple,
        label="Bulletins", help_text="Email me bulletins of these kinds addressed to me.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.visible_to(user)


class WebhookForm(forms.Form):
    url = forms.URLField(max_length=500, label="URL", assume_scheme="https",
                         help_text="We POST JSON here, signed with HMAC-SHA256.")
    topics = forms.MultipleChoiceField(choices=WebhookEndpoint.Topic.choices,
                                       widget=forms.CheckboxSelectMultiple)
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.active(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Status changes of these services only; none ticked means all.",
    )

    def clean_url(self):
        """Show a refused target on the URL field as it is typed (the service checks again)."""
        url = self.cleaned_data["url"]
        try:
            check_url(url)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["url"]) from exc
        return url
