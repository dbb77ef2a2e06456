"""Market-wide communications about incidents: who is told, with what, and when.

The rules, in words (README and the portal's help say the same):

- **Who.** A communication about a *service-affecting* incident (Sev1 or Sev2, which mark
  their services on the status page, or a declared major incident) goes to every active
  Market Participant whose market role uses one of the incident's services
  (`Service.used_by_market_roles`; empty means every role), to the provider of each
  affected service, to the provider of every service that depends on one of them
  (`ServiceDependency` graph, transitively), to every resolver group with a task on the
  incident, and to Switching Operations. Any communication, service-affecting or not,
  also goes to the organisations that raised the incident or one of its children, or
  joined it. Nobody has to subscribe.
- **To which addresses.** One email per organisation: always its duty contact
  (`Organisation.contact_email`, which no preference can silence), plus the people of
  that organisation who asked for these notices (preference `incident.communication`),
  plus the raisers of that organisation's own child incidents, whose subject carries
  their own incident's reference (so a reply threads into their own incident). An
  address is in at most one email per communication.
- **When.** On raise (the first service-affecting incident on a service: later ones on
  the same services while it is open are the same outage, and the desk gathers them under
  it as children), on each public update, on the workaround and on restoration. The
  raise is announced by the worker about a second after the incident is raised (one check
  per service per second however many incidents arrive); the communications sweep
  announces, within about two minutes, any incident of the last hour a lost task missed.
  A major
  incident's plan says when the next update is due (the cadence for its severity); the
  manager is reminded when it is.
- **Exactly once.** Each communication is a row; its fan-out queues each organisation's
  email through the outbox with a key made of the communication and the organisation, so
  a fan-out interrupted half-way (a worker restart) and run again by the sweep queues only
  what is missing. The outbox delivers at least once with one Message-ID.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import policy
from accounts.models import Organisation, User
from kernel.after_commit import enqueue_after_commit
from kernel.coalesce import Coalesced
from notifications.services import queue_email, wants_email
from services.models import Service, ServiceDependency

from .errors import InvalidTransition, NotAllowed
from .models import (
    OPEN_STATUSES,
    SERVICE_AFFECTING_SEVERITIES,
    Communication,
    CommunicationCadence,
    CommunicationPlan,
    Incident,
)
from .notify import operations_people

TOPIC = "incident.communication"  # the preference people set to be told as well
SWEEP = "the communications sweep (every minute)"
FAN_OUT_TASK = "incidents.tasks.fan_out_communication"
ANNOUNCE = Coalesced(prefix="incidents:announce-queued", task="incidents.tasks.announce_outages",
                     name="outage announcement", sweep=SWEEP)


@dataclass
class Audience:
    """One organisation told about a communication, and the addresses its email goes to."""

    organisation: Organisation
    addresses: set = field(default_factory=set)
    own_incidents: list = field(default_factory=list)  # its children (or the incident itself)


# --- writing communications ----------------------------------------------
def draft(incident, kind, *, services=None):
    """Return the template text for a communication of `kind` about `incident`: what the
    system sends on its own, what the console's form starts from and what the API sends
    when no body is given. `services`: the incident's, if already read."""
    if kind not in Communication.Kind.values:
        raise InvalidTransition("Choose raise, update, workaround or restore.")
    plan = getattr(incident, "communication_plan", None)
    return render_to_string(f"incidents/communications/{kind}.txt",
                            {"incident": incident, "plan": plan,
                             "services": incident.services.all() if services is None
                             else services}).strip()


def drafts(incident):
    """Return [(kind, label, draft)] for every kind, the console form's choices."""
    services = list(incident.services.all())
    return [(kind, label, draft(incident, kind, services=services))
            for kind, label in Communication.Kind.choices]


@transaction.atomic
def publish(*, incident, by, kind, body="", at=None) -> Communication:
    """Record a communication and fan it out after commit. `by` None is the system (the
    announcement on raise, written from the template for its kind)."""
    if by is not None and not policy.may_communicate_incident(by):
        raise NotAllowed("Only the Service Desk or Switching Operations send communications.")
    if kind not in Communication.Kind.values:
        raise InvalidTransition("Choose raise, update, workaround or restore.")
    body = (body or "").strip() or (draft(incident, kind) if by is None else "")
    if not body:
        raise InvalidTransition("A communication cannot be empty.")
    at = at or timezone.now()
    communication = Communication.objects.create(
        incident=incident, kind=kind, body=body, by=by, at=at,
        market_wide=incident.is_service_affecting)
    plan = CommunicationPlan.objects.filter(incident=incident, ended_at__isnull=True).first()
    if plan is not None:
        if kind == Communication.Kind.RESTORE:
            plan.ended_at = at
            plan.save(update_fields=["ended_at"])
        else:
            plan.update_sent(at)
    enqueue_after_commit(FAN_OUT_TASK, communication.pk, sweep=SWEEP)
    return communication


def start_plan(*, incident, manager, at=None):
    """Start (or return) the communication plan of a major incident: the cadence for its
    severity, the first update due one interval after `at`."""
    at = at or timezone.now()
    minutes = CommunicationCadence.minutes_for(incident.severity)
    plan, _ = CommunicationPlan.objects.get_or_create(
        incident=incident, defaults={"manager": manager, "cadence_minutes": minutes,
                                     "started_at": at,
                                     "next_update_due_at": at + timedelta(minutes=minutes)})
    return plan


def on_raised(incident):
    """Ask for the outage to be announced if the incident is service-affecting (called when
    an incident is raised or its severity changes). Coalesced per service (kernel.coalesce):
    a storm of incidents on one service costs one announcement check a second, in the
    worker, not one per incident; the sweep announces what a lost task missed."""
    if incident.is_service_affecting and incident.master_id is None:
        ANNOUNCE.soon(service.pk for service in incident.services.all())


def on_restored(incident, *, by):
    """Tell everyone concerned that the incident is resolved, if it was communicated about
    or has children (called when an incident is resolved); return the communication, or
    None if there was nobody to tell beyond the raiser."""
    if incident.communications.exists() or incident.children.exists():
        return publish(incident=incident, by=by if policy.may_communicate_incident(by) else None,
                kind=Communication.Kind.RESTORE, at=incident.resolved_at,
                body=f"{draft(incident, Communication.Kind.RESTORE)}\n\n"
                     f"{incident.get_resolution_code_display()}: {incident.resolution_notes}")
    return None


def lock_services(incident):
    """Lock the incident's services' rows (in one order) and return their ids: whoever
    announces an outage on them (the announcement task, a major incident declaration)
    holds it."""
    return _lock(Service.objects.filter(incidents=incident))


def _lock(services):
    return list(services.select_for_update().order_by("pk").values_list("pk", flat=True))


def has_announced(incident):
    return incident.communications.filter(kind=Communication.Kind.RAISE).exists()


def _unannounced():
    """Open service-affecting incidents, not children, with no raise communication of their
    own (the partial indexes of open Sev1/Sev2 and open major incidents find them)."""
    return (Incident.objects.open().filter(Q(severity__in=SERVICE_AFFECTING_SEVERITIES)
                                           | Q(is_major=True))
            .filter(master__isnull=True)
            .exclude(communications__kind=Communication.Kind.RAISE))


ANNOUNCE_WITHIN = timedelta(hours=1)


def _announced_services():
    """Return the ids of the services of every open incident announced with a raise
    communication (read from the communications, a small table)."""
    return set(Communication.objects.filter(kind=Communication.Kind.RAISE,
                                            incident__status__in=OPEN_STATUSES)
               .values_list("incident__services", flat=True)) - {None}


def _concerns(incident, wanted, announced):
    services = {service.pk for service in incident.services.all()}
    return bool((wanted is None or wanted & services) and not services & announced)


@transaction.atomic
def announce_outages(service_ids=None, *, changed_before=None, now=None):
    """Publish the raise communication of each service-affecting incident on `service_ids`
    (every service: the sweep) raised or changed within the last hour (ANNOUNCE_WITHIN) and
    not yet announced, unless an open incident on one of its services announced this outage
    already. Return the communications published.

    Oldest first, so the first incident of an outage is the one announced, and at most one
    per outage: an incident sharing a service with one announced here is not. In a storm
    the services are announced already and nothing more is read. Before announcing, the
    rows of every service concerned are locked (in one order), so no other announcement or
    major-incident declaration on them runs at the same time. `changed_before`: the sweep
    leaves what the task is about to do to the task.
    """
    now = now or timezone.now()
    wanted = None if service_ids is None else set(service_ids)
    announced = _announced_services()
    if wanted is not None and wanted <= announced:
        return []
    # Read from the partial indexes of open Sev1/Sev2 and open major incidents; services
    # are matched here, not in SQL, so no plan walks a service's history of incidents.
    candidates = _unannounced().filter(updated_at__gte=now - ANNOUNCE_WITHIN)
    if changed_before is not None:
        candidates = candidates.filter(updated_at__lt=changed_before)
    candidates = [incident for incident in candidates.order_by("created_at", "pk")
                  .prefetch_related("services")
                  if _concerns(incident, wanted, announced)]
    concerned = {service.pk for incident in candidates for service in incident.services.all()}
    if not concerned:
        return []
    _lock(Service.objects.filter(pk__in=concerned))
    announced = _announced_services()  # again: one may have been announced meanwhile
    published = []
    for incident in candidates:
        services = {service.pk for service in incident.services.all()}
        if services & announced:
            continue  # the same outage, told already (perhaps since the candidates were read)
        published.append(publish(incident=incident, by=None, kind=Communication.Kind.RAISE,
                                 at=now))
        announced |= services
    return published


# --- who is told -----------------------------------------------------------
def _market_organisations(incident, services):
    """Return the participant and provider organisations a service-affecting incident
    concerns (see the module's rules)."""
    roles = set()
    every_role = False
    for service in services:
        if service.used_by_market_roles:
            roles |= set(service.used_by_market_roles)
        else:
            every_role = True
    participants = Organisation.objects.filter(kind=Organisation.Kind.MARKET_PARTICIPANT)
    if not every_role:
        participants = participants.filter(market_role__in=roles)
    service_ids = {s.pk for s in services}
    dependent_ids = ServiceDependency.objects.graph().downstream(service_ids)
    provider_ids = set(Service.objects.filter(pk__in=service_ids | dependent_ids)
                       .values_list("provider_id", flat=True))
    provider_ids |= set(incident.tasks.values_list("resolver_group_id", flat=True))
    providers = Organisation.objects.filter(pk__in=provider_ids).exclude(
        kind__in=[Organisation.Kind.SERVICE_DESK, Organisation.Kind.SWITCHING_OPERATIONS])
    return list(participants.filter(is_active=True)) + list(providers.filter(is_active=True))


def _security_contacts(organisation):
    return User.objects.filter(organisation=organisation, is_active=True, is_system_account=False,
                               is_security_contact=True).exclude(email="")


def audience(communication, *, organisation=None):
    """Return [Audience], one per organisation told about `communication` (or only the
    entry of `organisation`, told because it raised a child or joined: a late joiner)."""
    incident = communication.incident
    services = list(incident.services.all())
    told = {}
    children = incident.children.select_related("organisation", "raised_by")
    joined = incident.affected_organisations.select_related("organisation")
    if organisation is not None:
        children = children.filter(organisation=organisation)
        joined = joined.filter(organisation=organisation)

    # An unreleased security incident is told only to the parties the security-incident
    # rule names (accounts.policy): providers with a task, and in a participant only its
    # security contacts; never market-wide.
    withheld = incident.is_security and incident.released_at is None

    def tell(org):
        if org.pk not in told:
            if withheld and org.kind == Organisation.Kind.MARKET_PARTICIPANT:
                addresses = set(_security_contacts(org).values_list("email", flat=True))
            else:
                addresses = {org.contact_email} - {""}
            told[org.pk] = Audience(org, addresses)
        return told[org.pk]

    if communication.market_wide and organisation is None:
        if withheld:
            for task in incident.tasks.select_related("resolver_group"):
                tell(task.resolver_group)
        else:
            for org in _market_organisations(incident, services):
                tell(org)
    own = [*([incident] if organisation is None or incident.organisation_id == organisation.pk
             else []), *children]
    for raised in own:
        if raised.organisation.is_internal or not raised.organisation.is_active:
            continue
        entry = tell(raised.organisation)
        entry.own_incidents.append(raised)
        if (raised.raised_by.email and wants_email(raised.raised_by, "incident.updated")
                and not (withheld and not raised.raised_by.is_security_contact)):
            entry.addresses.add(raised.raised_by.email)
    for row in joined:
        if row.organisation.is_active:
            tell(row.organisation)
    # Preferences add people; none removes the duty contact.
    preferring = User.objects.filter(
        organisation_id__in=told, is_active=True, is_system_account=False,
        notification_preferences__topic=TOPIC, notification_preferences__email=True)
    if withheld:
        preferring = preferring.filter(
            Q(is_security_contact=True) | ~Q(organisation__kind=Organisation.Kind.MARKET_PARTICIPANT))
    for user in preferring.exclude(email=""):
        told[user.organisation_id].addresses.add(user.email)
    return [entry for entry in told.values() if entry.addresses]


def _subject(communication, entry):
    incident = communication.incident
    label = communication.get_kind_display()
    own = next((i for i in entry.own_incidents if i.pk != incident.pk), None)
    if own is not None:
        return f"[{own.reference}] {label} on {incident.reference}: {incident.title}"[:300]
    return f"[{incident.reference}] {label}: {incident.title}"[:300]


def fan_out(communication_id):
    """Queue every organisation's email for one communication (each once, by its outbox
    key), then mark it done. Safe to run again at any point: what is queued is skipped."""
    communication = (Communication.objects.select_related("incident", "by")
                     .filter(pk=communication_id).first())
    if communication is None or communication.fanned_out_at is not None:
        return 0
    entries = audience(communication)
    context = {"communication": communication, "incident": communication.incident}
    for entry in entries:
        _queue(communication, entry)
    if communication.market_wide:
        queue_email(to=[u.email for u in operations_people()],
                    subject=f"[{communication.incident.reference}] "
                            f"{communication.get_kind_display()}: "
                            f"{communication.incident.title}"[:300],
                    template="incidents/email/communication", topic=TOPIC,
                    context={**context, "organisation": None, "own_incidents": []},
                    dedup_key=f"incident-comm-{communication.pk}-operations")
    Communication.objects.filter(pk=communication.pk).update(
        fanned_out_at=timezone.now(), organisations_told=len(entries))
    return len(entries)


@transaction.atomic
def _queue(communication, entry):
    """Queue one organisation's email for `communication` (once: the outbox key)."""
    return queue_email(
        to=sorted(entry.addresses), subject=_subject(communication, entry),
        template="incidents/email/communication", topic=TOPIC,
        context={"communication": communication, "incident": communication.incident,
                 "organisation": entry.organisation, "own_incidents": entry.own_incidents},
        dedup_key=f"incident-comm-{communication.pk}-org-{entry.organisation.pk}")


def tell_organisation(communication, organisation):
    """Queue `organisation`'s email for `communication` if it has not had it (a child
    linked, or an organisation joined, after the communication went out)."""
    for entry in audience(communication, organisation=organisation):
        _queue(communication, entry)


# --- reminders ---------------------------------------------------------------
def remind_due(now=None):
    """Remind each major incident manager whose next update is due (once per due time)."""
    now = now or timezone.now()
    reminded = 0
    plans = (CommunicationPlan.objects.filter(ended_at__isnull=True,
                                              next_update_due_at__lte=now)
             .filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("next_update_due_at")))
             .select_related("incident", "manager"))
    for plan in plans:
        with transaction.atomic():
            queue_email(to=[plan.manager.email],
                        subject=f"[{plan.incident.reference}] Communication update due: "
                                f"{plan.incident.title}"[:300],
                        template="incidents/email/update_due", topic="incident.update_due",
                        context={"plan": plan, "incident": plan.incident},
                        dedup_key=f"incident-update-due-{plan.pk}-"
                                  f"{plan.next_update_due_at:%Y%m%d%H%M%S}")
            CommunicationPlan.objects.filter(pk=plan.pk).update(
                reminded_for=plan.next_update_due_at)
            reminded += 1
    return reminded


def unfinished_ids(older_than_seconds=60, now=None):
    """Return the ids of communications whose fan-out has not finished (the sweep runs them)."""
    cutoff = (now or timezone.now()) - timedelta(seconds=older_than_seconds)
    return list(Communication.objects.unfinished().filter(at__lte=cutoff)
                .values_list("pk", flat=True)[:200])
