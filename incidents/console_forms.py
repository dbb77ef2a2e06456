"""The console's incident actions, one small form each: parse and check the POST, then call
one service. The detail page's work forms and the list's bulk actions share them, so bad
input is a message naming the field, never a 500 or a half-made change."""

from django import forms
from django.utils import timezone

from accounts.models import Organisation, User

from . import communications, major_incidents, masters, provider_tasks, services
from .errors import InvalidTransition
from .models import (
    SEVERITY_CHOICES,
    CommunicationKind,
    Incident,
    IncidentLink,
    PendingReason,
    ProviderTask,
    ResolutionCode,
    Status,
)


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
        queryset=User.objects.incident_managers(),
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


class AddTaskAction(ConsoleAction):
    """Open a provider task for one more resolver group beside the open ones."""

    resolver_group = forms.ModelChoiceField(
        queryset=Organisation.objects.resolver_groups().filter(is_active=True),
        error_messages=_says("Choose a resolver group.", "That is not an active resolver group."))
    reason = forms.CharField(required=False, max_length=5000)
    due_at = forms.DateTimeField(required=False, error_messages={
        "invalid": "Give the due time as a date and time, e.g. 2026-12-01 14:30."})

    def clean_due_at(self):
        due_at = self.cleaned_data["due_at"]
        refusal = provider_tasks.due_at_refusal(due_at)
        if refusal:
            raise forms.ValidationError(refusal)
        return due_at

    def perform(self, *, incident, by):
        data = self.cleaned_data
        return provider_tasks.add_task(incident=incident, by=by,
                                       resolver_group=data["resolver_group"],
                                       reason=data["reason"], due_at=data["due_at"])

    def done(self, incident, task):
        ola = f"OLA due {_hhmm(task.ola_due_at)}" if task.ola_due_at else "no OLA target"
        due = f"due {_hhmm(task.due_at)}; " if task.due_at else ""
        open_count = incident.tasks.open().count()
        return (f"{incident.reference}: task added for {task.resolver_group.name}; {due}{ola}. "
                f"{open_count} provider task{'s' if open_count != 1 else ''} open.")


class TaskAction(ConsoleAction):
    """The desk completes, rejects or hands on one of the incident's tasks."""

    task = forms.ModelChoiceField(queryset=ProviderTask.objects.open(), error_messages=_says(
        "Choose an open task.", "That task is no longer open."))
    action = forms.ChoiceField(choices=[("complete", "Complete"), ("reject", "Reject"),
                                        ("hand_over", "Hand over")],
                               error_messages=_says("Choose what to do with the task."))
    to = forms.ModelChoiceField(
        queryset=Organisation.objects.resolver_groups().filter(is_active=True), required=False,
        error_messages=_says(invalid="That is not an active resolver group."))
    reason = forms.CharField(required=False, max_length=5000)

    def perform(self, *, incident, by):
        data = self.cleaned_data
        task = data["task"]
        if task.incident_id != incident.pk:
            raise InvalidTransition("That task belongs to another incident.")
        if data["action"] == "complete":
            return provider_tasks.complete_task(task=task, by=by, outcome=data["reason"])
        if data["action"] == "reject":
            return provider_tasks.reject_task(task=task, by=by, reason=data["reason"])
        if data["to"] is None:
            raise InvalidTransition("Choose the group to hand the task to.")
        return provider_tasks.hand_over_task(task=task, by=by, to=data["to"],
                                             reason=data["reason"])

    def done(self, incident, task):
        group, action = task.resolver_group.name, self.cleaned_data["action"]
        if action == "complete":
            return f"{group}'s task on {incident.reference} completed; its OLA clock stopped."
        if action == "reject":
            return f"{group}'s task on {incident.reference} rejected back to the desk."
        ola = f"OLA due {_hhmm(task.ola_due_at)}" if task.ola_due_at else "no OLA target"
        return (f"{self.cleaned_data['task'].resolver_group.name}'s task on "
                f"{incident.reference} handed over to {group}; {ola}.")


class LinkToMasterAction(ConsoleAction):
    """From a child: gather this incident under a master."""

    master = forms.ModelChoiceField(
        queryset=Incident.objects.all(), to_field_name="reference",
        error_messages=_says("Give the master incident's reference.",
                             "No incident has that reference."))
    reason = forms.CharField(required=False, max_length=2000)

    def perform(self, *, incident, by):
        return masters.link_child(master=self.cleaned_data["master"], child=incident, by=by,
                                  reason=self.cleaned_data["reason"])

    def done(self, incident, link):
        return (f"{incident.reference} now follows master incident {link.master.reference}; "
                "it will be resolved with it.")


class LinkChildrenAction(ConsoleAction):
    """From the master: gather the listed incidents under it."""

    references = forms.CharField(max_length=20000, error_messages=_says(
        "List the references of the incidents to gather under this one."))

    def clean_references(self):
        refs = [r for r in self.cleaned_data["references"].replace(",", " ").split() if r]
        found = {i.reference: i for i in Incident.objects.filter(reference__in=refs)}
        missing = [r for r in refs if r not in found]
        if missing:
            raise forms.ValidationError(f"No incident {', '.join(missing[:5])}.")
        return [found[r] for r in dict.fromkeys(refs)]

    def perform(self, *, incident, by):
        linked, refusals = masters.link_children(master=incident, by=by,
                                                 children=self.cleaned_data["references"])
        if refusals and not linked:
            raise InvalidTransition(" ".join(refusals.values()))
        return linked, refusals

    def done(self, incident, result):
        linked, refusals = result
        refs = ", ".join(link.child.reference for link in linked)
        message = f"{len(linked)} gathered under {incident.reference}: {refs}."
        if refusals:
            message += " Left out: " + " ".join(refusals.values())
        return message


class UnlinkAction(ConsoleAction):
    reason = forms.CharField(max_length=2000, error_messages=_says(
        "Say why the incident is being unlinked from its master."))

    def perform(self, *, incident, by):
        return masters.unlink_child(child=incident, by=by, reason=self.cleaned_data["reason"])

    def done(self, incident, link):
        return f"{incident.reference} unlinked from {link.master.reference}; it is worked on " \
               "its own again."


class CommunicateAction(ConsoleAction):
    """Send a communication (raise, update, workaround, restore) to everyone it concerns."""

    kind = forms.ChoiceField(choices=CommunicationKind.choices, error_messages=_says(
        "Choose the kind of communication.", "That is not a kind of communication."))
    body = forms.CharField(max_length=20000, error_messages=_says("Write the message."))

    def perform(self, *, incident, by):
        return communications.publish(incident=incident, by=by, kind=self.cleaned_data["kind"],
                                      body=self.cleaned_data["body"])

    def done(self, incident, communication):
        return (f"{communication.get_kind_display()} for {incident.reference} recorded; it is "
                "being sent to every organisation it concerns.")


class BulkLinkToMasterAction(ConsoleAction):
    """The list's bulk action: gather the selected incidents under a master (by reference)."""

    master_reference = forms.ModelChoiceField(
        queryset=Incident.objects.all(), to_field_name="reference",
        error_messages=_says("Give the master incident's reference.",
                             "No incident has that reference."))

    def perform(self, *, incident, by):
        master = self.cleaned_data["master_reference"]
        if master.pk == incident.pk:
            return None  # the master may be among those selected
        return masters.link_child(master=master, child=incident, by=by)


# The detail page's work forms, by the action name in their URL.
WORKSPACE_ACTIONS = {
    "transition": TransitionAction, "severity": SeverityAction, "assign": AssignAction,
    "comment": CommentAction, "link": LinkAction, "major-update": MajorUpdateAction,
    "bcdr": BcdrAction, "declare-major": DeclareMajorAction, "add-task": AddTaskAction,
    "task": TaskAction, "link-master": LinkToMasterAction, "link-children": LinkChildrenAction,
    "unlink": UnlinkAction, "communicate": CommunicateAction,
}
