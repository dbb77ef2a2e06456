"""Portal forms: a change notification with its impacts, actions, consultation answers, filters,
and a participant's outage of its own systems."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from accounts import policy
from accounts.models import Organisation, User
from services.models import Service

from . import outages
from .models import ChangeAttachment, ChangeNotification, ConsultationRequest, ParticipantOutage

UK_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ChangeNotificationForm(forms.Form):
    """The fields of a draft. Times are entered in UK time and stored in UTC."""

    provider = forms.ModelChoiceField(
        queryset=Organisation.objects.providers().filter(is_active=True), required=False,
        help_text="The Service Provider making the change (staff recording on its behalf).")
    title = forms.CharField(max_length=200)
    change_type = forms.ChoiceField(label="Type", choices=ChangeNotification.Type.choices)
    planned_start = forms.DateTimeField(widget=UK_DATETIME, help_text="UK time.")
    planned_end = forms.DateTimeField(widget=UK_DATETIME, help_text="UK time.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=20000)
    risk = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
    back_out_plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
    contact = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if policy.is_provider(user):
            del self.fields["provider"]
            self.fields["contact"].queryset = User.objects.people().filter(
                organisation_id=user.organisation_id, is_active=True)
        else:
            self.fields["provider"].required = True
            self.fields["contact"].queryset = User.objects.people().filter(
                role="provider", is_active=True)

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end <= start:
            self.add_error("planned_end", "The planned end must be after the planned start.")
        contact, provider = data.get("contact"), data.get("provider")
        if contact and provider and contact.organisation_id != provider.pk:
            self.add_error("contact", "The contact must belong to the provider.")
        return data


class ImpactForm(forms.Form):
    service = forms.ModelChoiceField(queryset=Service.objects.active(), required=False)
    impact = forms.ChoiceField(choices=ChangeNotification.Impact.choices,
                               initial=ChangeNotification.Impact.OUTAGE)


class BaseImpactFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            service = form.cleaned_data.get("service")
            if service is None:
                continue
            if service.pk in seen:
                raise ValidationError(f"{service.name} is listed twice.")
            seen.add(service.pk)

    def impacts(self):
        return [(f.cleaned_data["service"], f.cleaned_data["impact"]) for f in self.forms
                if f.cleaned_data.get("service")]


ImpactFormSet = forms.formset_factory(ImpactForm, formset=BaseImpactFormSet, extra=3,
                                      max_num=50, validate_max=True)


class ActionForm(forms.Form):
    action = forms.CharField(max_length=40)
    reason = forms.CharField(required=False, max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(forms.Form):
    file = forms.FileField(help_text=ChangeAttachment.policy.help_text)


class ConsultationResponseForm(forms.Form):
    response = forms.ChoiceField(choices=[
        (ConsultationRequest.Response.NO_IMPACT, "No impact"),
        (ConsultationRequest.Response.IMPACT, "Impact (describe it below)")],
        widget=forms.RadioSelect)
    comment = forms.CharField(required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class ScheduleFilterForm(forms.Form):
    view = forms.ChoiceField(choices=[("month", "Month"), ("week", "Week"), ("list", "List")],
                             required=False)
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    service = forms.ModelChoiceField(queryset=Service.objects.active(), required=False,
                                     to_field_name="code", empty_label="All services")
    provider = forms.ModelChoiceField(queryset=Organisation.objects.providers(), required=False,
                                      to_field_name="short_code", empty_label="All providers")

    def clean_date(self):
        value = self.cleaned_data.get("date")
        if value and not (date(2000, 1, 1) <= value <= date(2100, 1, 1)):
            raise ValidationError("Choose a date between 2000 and 2100.")
        return value


class SubscriptionForm(forms.Form):
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.active(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="You will be emailed when a change on these services is scheduled or withdrawn.")


class CheckedDeclaration:
    """Form mixin: check a new outage declaration as `outages.declare_outage` will, so every
    problem shows beside its field at once (portal form and console add form)."""

    def check_declaration(self, data):
        if not (data.get("kind") and data.get("starts_at")):
            return
        try:
            outages.check_declaration(
                kind=data["kind"], starts_at=data["starts_at"], ends_at=data.get("ends_at"),
                services=list(data.get("services") or []),
                flows_affected=data.get("flows_affected", ""))
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)


class ParticipantOutageForm(CheckedDeclaration, forms.Form):
    """A Market Participant's outage of its own systems. Times are UK time, stored in UTC."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.market_participants().filter(is_active=True),
        required=False, help_text="The participant whose systems are out (staff recording one "
                                  "told by phone).")
    kind = forms.ChoiceField(label="Planned or unplanned", widget=forms.RadioSelect,
                             choices=ParticipantOutage.Kind.choices,
                             help_text="Planned: declared ahead, on the Forward Schedule of "
                                       "Change. Unplanned: your systems are out now.")
    title = forms.CharField(max_length=200)
    starts_at = forms.DateTimeField(label="Start", widget=UK_DATETIME, help_text="UK time.")
    ends_at = forms.DateTimeField(label="End", widget=UK_DATETIME, required=False,
                                  help_text="UK time. Unplanned: the expected end, if known.")
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.active(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="The central services the outage stops you using.")
    flows_affected = forms.CharField(
        max_length=300, required=False, label="Flows affected",
        help_text="e.g. 'switch requests, objections, registration messages'.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=10000,
                                  required=False)
    audience = forms.ChoiceField(label="Who besides the desk should see it",
                                 choices=ParticipantOutage.Audience.choices,
                                 initial=ParticipantOutage.Audience.PROVIDERS)
    contact_name = forms.CharField(max_length=120, label="Contact name")
    contact_phone = forms.CharField(max_length=40, required=False, label="Contact phone")
    contact_email = forms.EmailField(required=False, label="Contact email")

    def __init__(self, *args, user, outage=None, **kwargs):
        super().__init__(*args, **kwargs)
        if policy.is_participant(user) or outage is not None:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].required = True
        if outage is not None:
            del self.fields["kind"]

    def clean(self):
        """A new declaration is checked here; a revision by the service (it knows the state)."""
        data = super().clean()
        if "kind" in self.fields:
            self.check_declaration(data)
        return data
