"""The console's incident actions, one small form each: parse and check the POST, then call
one service. The detail page's work forms and the list's bulk actions share them, so bad
input is a message naming the field, never a 500 or a half-made change."""

from django import forms
from django.utils import timezone

from accounts.models import Organisation, User

from . import major_incidents, services
from .errors import InvalidTransition
from .models import SEVERITY_CHOICES, Incident, IncidentLink, PendingReason, ResolutionCode, Status


def _optional(choices):
    return [("", "—"), *choices]


class ConsoleAction(forms.Form):
    """Base: `perform(incident=, by=)` runs the action on one incident once the form is valid."""

    def perform(self, *, incident, by):
        raise NotImplementedError

    def done(self, incident, result):
        """Return the success message naming what changed (override per action)."""
        return f"{incident.reference} updated."

    def error_text(self):
        """Return the form's errors as one line a message can show (each names its field)."""
        return " ".join(message for errors in self.errors.values() for message in errors)


def _hhmm(moment):
    """Return a due time as the desk reads it: 14:30 today, or 14:30 on 02 Dec."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return local.strftime("%H:%M")
    return local.strftime("%H:%M on %d %b")


def moved_message(incident):
    """Return the message for a status move, naming the new state and what follows."""
    ref, status = incident.reference, incident.status
    if status == Status.RESOLVED:
        return f"{ref} resolved ({incident.get_resolution_code_display()}); the raiser is asked " \
               "to confirm."
    if status == Status.PENDING:
        return f"{ref} is pending ({incident.get_pending_reason_display().lower()})."
    if status == Status.CANCELLED:
        return f"{ref} cancelled."
    if status == Status.CLOSED:
        return f"{ref} closed."
    due = _hhmm(incident.resolution_due_at)
    return f"{ref} is in progress" + (f"; resolution due {due}." if due else ".")


def _says(required=None, invalid=None):
    """Return error messages that name what is wrong (the console shows them alone)."""
    return {key: text for key, text in (("required", required), ("invalid_choice", invalid))
            if text}


class TransitionAction(ConsoleAction):
    to = forms.ChoiceField(choices=Status.choices, error_messages=_says(
        "Choose the status to move to.", "That is not a status."))
    pending_reason = forms.ChoiceField(choices=_optional(PendingReason.choices), required=False,
                                       error_messages=_says(invalid="That is not a pending reason."))
    resolution_code = forms.ChoiceField(choices=_optional(ResolutionCode.choices), required=False,
                                        error_messages=_says(invalid="That is not a resolution "
                                                                     "code."))
    reason = forms.CharField(required=False, max_length=10000)

    def perform(self, *, incident, by):
        data = self.cleaned_data
        return services.transition_incident(
            incident=incident, by=by, to=data["to"], reason=data["reason"],
            pending_reason=data["pending_reason"], resolution_code=data["resolution_code"],
            resolution_notes=data["reason"])

    def done(self, incident, result):
        return moved_message(result)


class ResolveAction(ConsoleAction):
    resolution_code = forms.ChoiceField(choices=ResolutionCode.choices, error_messages=_says(
        "Choose a resolution code.", "That is not a resolution code."))
    reason = forms.CharField(max_length=10000, error_messages=_says("Write the resolution notes."))

    def perform(self, *, incident, by):
        return services.transition_incident(
            incident=incident, by=by, to=Status.RESOLVED,
            resolution_code=self.cleaned_data["resolution_code"],
            resolution_notes=self.cleaned_data["reason"])

    def done(self, incident, result):
        return moved_message(result)


class SeverityAction(ConsoleAction):
    severity = forms.TypedChoiceField(coerce=int, choices=SEVERITY_CHOICES, error_messages=_says(
        "Choose a severity and give a reason.", "Severity must be 1, 2, 3 or 4."))
    reason = forms.CharField(max_length=5000, error_messages=_says(
        "Choose a severity and give a reason."))

    def perform(self, *, incident, by):
        return services.change_severity(incident=incident, by=by,
                                        to=self.cleaned_data["severity"],
                                        reason=self.cleaned_data["reason"])

    def done(self, incident, result):
        due = [f"{name} due {_hhmm(at)}" for name, at in
               (("response", None if result.responded_at else result.response_due_at),
                ("resolution", result.resolution_due_at)) if at]
        return f"{result.reference} is now Sev{result.severity}" + (
            f"; {', '.join(due)}." if due else ".")


class AssignAction(ConsoleAction):
    resolver_group = forms.ModelChoiceField(
        queryset=Organisation.objects.resolver_groups().filter(is_active=True),
        error_messages=_says("Choose a resolver group.", "That is not an active resolver group."))
    reason = forms.CharField(required=False, max_length=5000)

    def perform(self, *, incident, by):
        return services.assign_incident(incident=incident, by=by,
                                        resolver_group=self.cleaned_data["resolver_group"],
                                        reason=self.cleaned_data["reason"])

    def done(self, incident, leg):
        ola = f"OLA due {_hhmm(leg.ola_due_at)}" if leg.ola_due_at else "no OLA target"
        return f"{incident.reference} assigned to {leg.resolver_group.name}; {ola}."


class CommentAction(ConsoleAction):
    body = forms.CharField(max_length=10000, error_messages=_says("A comment cannot be empty."))
    public = forms.BooleanField(required=False)

    def perform(self, *, incident, by):
        return services.add_comment(incident=incident, author=by, body=self.cleaned_data["body"],
                                    public=self.cleaned_data["public"])

    def done(self, incident, comment):
        if comment.is_public:
            return f"Public comment added to {incident.reference}; the raiser sees it."
        return f"Work note added to {incident.reference} (staff only)."


class LinkAction(ConsoleAction):
    kind = forms.ChoiceField(choices=IncidentLink.Kind.choices, error_messages=_says(
        "Choose 'related' or 'duplicate'.", "Choose 'related' or 'duplicate'."))
    reference = forms.ModelChoiceField(
        queryset=Incident.objects.all(), to_field_name="reference",
        error_messages=_says("Give the other incident's reference.",
                             "No incident has that reference."))

    def perform(self, *, incident, by):
        return services.link_incidents(from_incident=incident, by=by,
                                       kind=self.cleaned_data["kind"],
                                       to_incident=self.cleaned_data["reference"])

    def done(self, incident, link):
        return f"{incident.reference} linked: {link.get_kind_display().lower()} " \
               f"{link.to_incident.reference}."


class MajorUpdateAction(ConsoleAction):
    body = forms.CharField(max_length=10000, error_messages=_says("Write the update."))

    def perform(self, *, incident, by):
        major = getattr(incident, "major", None) if incident.is_major else None
        if major is None:
            raise InvalidTransition(f"{incident.reference} is not a major incident.")
        return major_incidents.post_update(major=major, by=by, body=self.cleaned_data["body"])

    def done(self, incident, update):
        return f"Major incident update for {incident.reference} sent."


class BcdrAction(ConsoleAction):
    summary = forms.CharField(max_length=5000, error_messages=_says("Say why BCDR is invoked."))

    def perform(self, *, incident, by):
        return major_incidents.invoke_bcdr(incident=incident, by=by,
                                           summary=self.cleaned_data["summary"])

    def done(self, incident, result):
        return f"BCDR invocation recorded for {incident.reference}."


class DeclareMajorAction(ConsoleAction):
    manager = forms.ModelChoiceField(
        queryset=User.objects.people().filter(role__in=["desk", "operations"], is_active=True),
        error_messages=_says("Choose the major incident manager.",
                             "The major incident manager must be desk or Operations staff."))
    summary = forms.CharField(max_length=5000, error_messages=_says(
        "Write a summary for market participants."))
    bcdr = forms.BooleanField(required=False)

    def perform(self, *, incident, by):
        data = self.cleaned_data
        return major_incidents.declare_major(incident=incident, by=by, manager=data["manager"],
                                             summary=data["summary"], bcdr_invoked=data["bcdr"])

    def done(self, incident, major):
        return f"{incident.reference} declared a major incident; manager " \
               f"{self.cleaned_data['manager'].display_name}."


# The detail page's work forms, by the action name in their URL.
WORKSPACE_ACTIONS = {
    "transition": TransitionAction, "severity": SeverityAction, "assign": AssignAction,
    "comment": CommentAction, "link": LinkAction, "major-update": MajorUpdateAction,
    "bcdr": BcdrAction, "declare-major": DeclareMajorAction,
}
