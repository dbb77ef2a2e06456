"""Who is told what about an incident: every notice goes through the notifications outbox.

Subjects always carry the reference in square brackets, so a reply threads back
into the incident through inbound email.
"""

from accounts.models import Organisation, Role, User
from notifications.services import notify_users, queue_email

from .models import Incident


def _subject(incident, text):
    return f"[{incident.reference}] {text}: {incident.title}"[:300]


def operations_people():
    return User.objects.filter(role=Role.SWITCHING_OPERATIONS, is_active=True,
                               is_system_account=False)


def _who_may_see(incident, users):
    """Return `users` less anyone the incidents rule hides a security incident from."""
    if not incident.is_security:
        return users
    return [u for u in users
            if u is not None and Incident.objects.visible_to(u).filter(pk=incident.pk).exists()]


def raised(incident):
    notify_users(users=_who_may_see(incident, [incident.raised_by]), topic="incident.created",
                 subject=_subject(incident, "Incident raised"), template="incidents/email/raised",
                 context={"incident": incident}, dedup_key=f"incident-raised-{incident.pk}")


def updated(incident, *, by, what):
    """Tell the raiser about a change made by someone else (comment, status)."""
    if by is not None and by.pk == incident.raised_by_id:
        return
    notify_users(users=_who_may_see(incident, [incident.raised_by]), topic="incident.updated",
                 subject=_subject(incident, "Incident updated"),
                 template="incidents/email/updated", context={"incident": incident, "what": what})


def resolved(incident):
    notify_users(users=_who_may_see(incident, [incident.raised_by]), topic="incident.resolved",
                 subject=_subject(incident, "Incident resolved"),
                 template="incidents/email/resolved", context={"incident": incident})


def event_cleared(incident, *, note, people):
    """Tell the people working an incident that the monitoring event behind it cleared."""
    notify_users(users=people, topic="incident.updated",
                 subject=_subject(incident, "Monitoring event cleared"),
                 template="incidents/email/event_cleared",
                 context={"incident": incident, "note": note})


def assigned(task):
    """Email the resolver group (a provider keeps its own tools) with the reference."""
    incident, group = task.incident, task.resolver_group
    if group.kind == Organisation.Kind.SERVICE_DESK:
        return
    queue_email(to=[group.contact_email], subject=_subject(incident, f"Assigned to {group.name}"),
                template="incidents/email/assigned", topic="incident.assigned",
                context={"incident": incident, "task": task}, dedup_key=f"incident-leg-{task.pk}")


def task_ended(task):
    """Tell the desk a provider task was completed, rejected or handed on (the agent on the
    incident, else the desk's shared address)."""
    incident = task.incident
    if incident.assignee_id:
        to = [incident.assignee.email]
    else:
        to = list(Organisation.objects.filter(kind=Organisation.Kind.SERVICE_DESK,
                                              is_active=True)
                  .exclude(contact_email="").values_list("contact_email", flat=True))
    queue_email(to=to, subject=_subject(incident, f"Task {task.get_status_display().lower()} "
                                                  f"by {task.resolver_group.name}"),
                template="incidents/email/task_ended", topic="incident.task",
                context={"incident": incident, "task": task},
                dedup_key=f"incident-task-ended-{task.pk}")


def escalation(escalation):
    """Breach: tell Switching Operations (once: the dedup key is the escalation's).
    Warning: tell the assigned agent, if any."""
    incident = escalation.incident
    context = {"incident": incident, "escalation": escalation}
    if escalation.level == "breach":
        notify_users(users=list(operations_people()), topic="incident.escalation",
                     subject=_subject(incident, f"SLA breach ({escalation.clock})"),
                     template="incidents/email/escalation", context=context,
                     dedup_key=f"incident-escalation-{escalation.pk}")
    elif incident.assignee_id:
        notify_users(users=_who_may_see(incident, [incident.assignee]),
                     topic="incident.sla_warning",
                     subject=_subject(incident, f"SLA warning ({escalation.clock})"),
                     template="incidents/email/escalation", context=context,
                     dedup_key=f"incident-escalation-{escalation.pk}")
