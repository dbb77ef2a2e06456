"""Provider tasks that run beside each other: open, start, note, complete, reject, hand on.

The desk opens a task for a resolver group while others run (`add_task`); the group
starts it, writes notes, completes it, rejects it back to the desk with a reason, or hands
it to another group (which opens that group's task, its own clock starting then). The
sequential hand-off (incidents.services.assign_incident) is the single-task case. Each
function checks the policy (a provider works only its own group's tasks), locks the task
where two people can race, calls the model method that enforces the lifecycle and tells
whoever must know through the outbox.
"""

from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.models import Organisation

from . import notify, ola
from .errors import InvalidTransition, NotAllowed
from .models import Incident, ProviderTask, ProviderTaskNote, TaskStatus


def _resolver_group_refusal(incident, group):
    if group.kind == Organisation.Kind.MARKET_PARTICIPANT:
        return ("Tasks go to the desk, Switching Operations or a CDS provider, not to a "
                "Market Participant.")
    if not group.is_active:
        return f"{group} is deactivated."
    if incident.tasks.open().filter(resolver_group=group).exists():
        return f"{group} already has an open task on {incident.reference}."
    return ""


def due_at_refusal(due_at, now=None):
    """Return why `due_at` cannot be a new task's due time, or '' (none given is the OLA's).
    The API and the console's form both ask this."""
    if due_at is not None and due_at <= (now or timezone.now()):
        return "The due time must be in the future."
    return ""


@transaction.atomic
def add_task(*, incident, resolver_group, by, reason="", due_at=None) -> ProviderTask:
    """Open a task for `resolver_group` beside any already open (desk only). The first
    task of an unassigned incident also makes the group the assigned one."""
    if not policy.may_work_incident(by):
        raise NotAllowed("Only the desk opens provider tasks.")
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if not incident.is_open:
        raise InvalidTransition(f"{incident.reference} is {incident.get_status_display().lower()}"
                                "; it cannot be given a task.")
    refusal = _resolver_group_refusal(incident, resolver_group)
    if refusal:
        raise InvalidTransition(refusal)
    now = timezone.now()
    refusal = due_at_refusal(due_at, now)
    if refusal:
        raise InvalidTransition(refusal)
    task = ola.open_task(incident=incident, resolver_group=resolver_group, by=by,
                         reason=(reason or "").strip(), at=now, due_at=due_at)
    if incident.assigned_group_id is None:
        incident.assigned_group = resolver_group
        incident.save(update_fields=["assigned_group", "updated_at"])
    notify.assigned(task)
    incident.announce()
    return task


def _locked_task(task, by):
    task = (ProviderTask.objects.select_for_update().select_related("incident", "resolver_group")
            .get(pk=task.pk))
    if not policy.may_work_task(by, task):
        raise NotAllowed("Only the desk and the task's own resolver group work this task.")
    return task


@transaction.atomic
def start_task(*, task, by) -> ProviderTask:
    """The group says it is working on the task (Open -> In progress)."""
    task = _locked_task(task, by)
    task.start_work(by=by)
    return task


@transaction.atomic
def add_task_note(*, task, by, body) -> ProviderTaskNote:
    """Add a note the desk and the group read (participants never do)."""
    task = _locked_task(task, by)
    if not (body or "").strip():
        raise InvalidTransition("A note cannot be empty.")
    return ProviderTaskNote.objects.create(task=task, author=by, body=body.strip())


@transaction.atomic
def complete_task(*, task, by, outcome="") -> ProviderTask:
    """The group has done its part; its clock stops. The desk is told; the incident stays
    with the desk to restore (other tasks may still be open)."""
    task = _locked_task(task, by)
    task.end(TaskStatus.COMPLETED, by=by, because=ProviderTask.EndReason.COMPLETED,
             outcome=outcome)
    notify.task_ended(task)
    task.incident.announce()
    return task


@transaction.atomic
def reject_task(*, task, by, reason) -> ProviderTask:
    """Send the task back to the desk with a reason (e.g. not this provider's system)."""
    task = _locked_task(task, by)
    task.end(TaskStatus.REJECTED, by=by, because=ProviderTask.EndReason.REJECTED,
             outcome=reason)
    incident = task.incident
    if incident.assigned_group_id == task.resolver_group_id:
        Incident.objects.filter(pk=incident.pk).update(assigned_group=None,
                                                       updated_at=timezone.now())
    notify.task_ended(task)
    incident.announce()
    return task


@transaction.atomic
def hand_over_task(*, task, by, to, reason) -> ProviderTask:
    """Hand the task to another group: this one ends (handed over), `to` gets its own task
    with its own clock. Return the new task."""
    incident = Incident.objects.select_for_update().get(pk=task.incident_id)  # incident first,
    task = _locked_task(task, by)  # then the task: the order every writer here takes them
    if to.pk == task.resolver_group_id:
        raise InvalidTransition(f"The task is already with {to}.")
    refusal = _resolver_group_refusal(incident, to)
    if refusal:
        raise InvalidTransition(refusal)
    now = timezone.now()
    new = ola.open_task(incident=incident, resolver_group=to, by=by, at=now,
                        reason=f"Handed on by {task.resolver_group}: {(reason or '').strip()}")
    task.end(TaskStatus.HANDED_OVER, by=by, because=ProviderTask.EndReason.REASSIGNED,
             outcome=reason, at=now, handed_to=new)
    if incident.assigned_group_id == task.resolver_group_id:
        incident.assigned_group = to
        incident.save(update_fields=["assigned_group", "updated_at"])
    notify.assigned(new)
    notify.task_ended(task)
    incident.announce()
    return new
