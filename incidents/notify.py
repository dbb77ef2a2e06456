"""Who is told what about an incident: every notice goes through the notifications outbox.

Subjects always carry the reference in square brackets, so a reply threads back
into the incident through inbound email.
"""

from django.db.models import Q

from accounts.models import Organisation, Role, User
from notifications.services import notify_users, queue_email


def _subject(incident, text):
    return f"[{incident.reference}] {text}: {incident.title}"[:300]


def operations_people():
    return User.objects.filter(role=Role.SWITCHING_OPERATIONS, is_active=True,
                               is_system_account=False)


def raised(incident):
    notify_users(users=[incident.raised_by], topic="incident.created",
                 subject=_subject(incident, "Incident raised"), template="incidents/email/raised",
                 context={"incident": incident}, dedup_key=f"incident-raised-{incident.pk}")


def updated(incident, *, by, what):
    """Tell the raiser about a change made by someone else (comment, status)."""
    if by is not None and by.pk == incident.raised_by_id:
        return
    notify_users(users=[incident.raised_by], topic="incident.updated",
                 subject=_subject(incident, "Incident updated"),
                 template="incidents/email/updated", context={"incident": incident, "what": what})


def resolved(incident):
    notify_users(users=[incident.raised_by], topic="incident.resolved",
                 subject=_subject(incident, "Incident resolved"),
                 template="incidents/email/resolved", context={"incident": incident})


def event_cleared(incident, *, note, people):
    """Tell the people working an incident that the monitoring event behind it cleared."""
    notify_users(users=people, topic="incident.updated",
                 subject=_subject(incident, "Monitoring event cleared"),
                 template="incidents/email/event_cleared",
                 context={"incident": incident, "note": note})


def assigned(leg):
    """Email the resolver group (a provider keeps its own tools) with the reference."""
    incident, group = leg.incident, leg.resolver_group
    if group.kind == Organisation.Kind.SERVICE_DESK:
        return
    queue_email(to=[group.contact_email], subject=_subject(incident, f"Assigned to {group.name}"),
                template="incidents/email/assigned", topic="incident.assigned",
                context={"incident": incident, "leg": leg}, dedup_key=f"incident-leg-{leg.pk}")


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
        notify_users(users=[incident.assignee], topic="incident.sla_warning",
                     subject=_subject(incident, f"SLA warning ({escalation.clock})"),
                     template="incidents/email/escalation", context=context,
                     dedup_key=f"incident-escalation-{escalation.pk}")


def major_communication(major, *, body, key):
    """Email every market participant and impacted provider (one email per organisation,
    so no party sees another's address) and Switching Operations. Return addresses used."""
    incident = major.incident
    provider_ids = set(incident.services.values_list("provider_id", flat=True))
    provider_ids |= set(incident.legs.values_list("resolver_group_id", flat=True))
    orgs = Organisation.objects.filter(is_active=True).exclude(contact_email="").filter(
        Q(kind=Organisation.Kind.MARKET_PARTICIPANT) | Q(pk__in=provider_ids))
    context = {"incident": incident, "major": major, "body": body}
    subject = _subject(incident, "Major incident")
    count = 0
    for org in orgs:
        if queue_email(to=[org.contact_email], subject=subject, template="incidents/email/major",
                       context=context, topic="incident.major",
                       dedup_key=f"incident-major-{major.pk}-{key}-{org.pk}"):
            count += 1
    notify_users(users=list(operations_people()), topic="incident.major", subject=subject,
                 template="incidents/email/major", context=context,
                 dedup_key=f"incident-major-{major.pk}-{key}-operations")
    return count
