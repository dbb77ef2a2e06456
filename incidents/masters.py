"""Master incidents: one failure, many parties' reports gathered under one incident.

The desk makes an incident the master of others (from the master, from a child, or in
bulk from the console list). A child shows its master's status and communications, and
each communication on the master (public update, workaround, restoration) reaches every
child once, as a public comment in the child's own timeline; the raisers are told in the
communication's one email to their organisation (incidents.communications). Resolving
the master resolves its open children with the master's resolution code and notes at the
master's resolution instant, so the children's SLA clocks stop exactly then; the KPIs
count the outage once, through the master (reporting's rule "children are counted
through their master"). Unlinking is recorded with a reason. A participant about to
raise a duplicate may join the open incident instead (`join_incident`).
"""

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from accounts import audit, policy
from accounts.models import Organisation, User
from kernel.after_commit import enqueue_after_commit

from . import communications, notify
from .errors import InvalidTransition, NotAllowed
from .models import (
    AffectedOrganisation,
    CascadedUpdate,
    Communication,
    Incident,
    IncidentComment,
    MasterLink,
    Status,
)
from .services import after_change

CATCH_UP_TASK = "incidents.tasks.catch_up_child"
CATCH_UP_SWEEP = "the communications sweep (every minute)"


def _check(by):
    if not policy.may_manage_master_incidents(by):
        raise NotAllowed("Only the Service Desk or Switching Operations link master incidents.")


def _refusal(master, child):
    """Return why `child` cannot be gathered under `master`, or ''."""
    if master.pk == child.pk:
        return "An incident cannot be its own master."
    if not master.is_open:
        return f"{master.reference} is {master.get_status_display().lower()}; choose an open master."
    if master.master_id is not None:
        return (f"{master.reference} is itself a child of another master; link to that master "
                "instead.")
    if child.master_id == master.pk:
        return f"{child.reference} is already a child of {master.reference}."
    if child.master_id is not None:
        return (f"{child.reference} is already a child of another master; unlink it first.")
    if child.children.exists():
        return f"{child.reference} is a master itself; it cannot become a child."
    if child.status in (Status.CLOSED, Status.CANCELLED):
        return f"{child.reference} is {child.get_status_display().lower()}."
    return ""


@transaction.atomic
def link_child(*, master, child, by, reason="") -> MasterLink:
    """Gather `child` under `master` (the desk; from either incident's page)."""
    _check(by)
    master, child = (Incident.objects.select_for_update().get(pk=master.pk),
                     Incident.objects.select_for_update().get(pk=child.pk))
    refusal = _refusal(master, child)
    if refusal:
        raise InvalidTransition(refusal)
    now = timezone.now()
    child.master = master
    child.save(update_fields=["master", "updated_at"])
    link = MasterLink.objects.create(master=master, child=child, by=by, at=now,
                                     action=MasterLink.Action.LINKED, reason=reason.strip())
    IncidentComment.objects.create(
        incident=child, author=by, created_at=now,
        body=f"This incident is now followed under master incident {master.reference}: its "
             "updates will appear here, and it will be resolved with it.")
    notify.updated(child, by=by, what=f"it is now followed under master incident "
                                      f"{master.reference}.")
    enqueue_after_commit(CATCH_UP_TASK, child.pk, sweep=CATCH_UP_SWEEP)
    child.announce()
    return link


def link_children(*, master, children, by, reason=""):
    """Gather several incidents under `master` (the console's bulk action).

    Return (linked, refusals) where refusals maps a reference to why it was left out.
    Each child is linked in its own transaction, so one refusal does not undo the rest.
    """
    linked, refusals = [], {}
    for child in children:
        try:
            linked.append(link_child(master=master, child=child, by=by, reason=reason))
        except InvalidTransition as exc:
            refusals[child.reference] = str(exc)
    return linked, refusals


@transaction.atomic
def unlink_child(*, child, by, reason) -> MasterLink:
    """Work `child` on its own again; the unlinking is recorded with its reason."""
    _check(by)
    if not (reason or "").strip():
        raise InvalidTransition("Say why the incident is being unlinked from its master.")
    child = Incident.objects.select_for_update().get(pk=child.pk)
    if child.master_id is None:
        raise InvalidTransition(f"{child.reference} has no master incident.")
    master_id = child.master_id
    child.master = None
    child.save(update_fields=["master", "updated_at"])
    child.announce()
    return MasterLink.objects.create(master_id=master_id, child=child, by=by,
                                     action=MasterLink.Action.UNLINKED, reason=reason.strip())


# --- joining instead of raising a duplicate ------------------------------------------
def joinable_incidents(services):
    """Return open incidents on any of `services` a participant may join instead of raising
    a duplicate: service-affecting ones (Sev1, Sev2, major) and masters; never a child."""
    has_children = Exists(Incident.objects.filter(master=OuterRef("pk")))
    return (Incident.objects.open().filter(services__in=services, master__isnull=True)
            .filter(Q(severity__in=(1, 2)) | Q(is_major=True) | Q(has_children))
            .distinct().order_by("severity", "created_at"))


@transaction.atomic
def join_incident(*, incident, by, impact) -> AffectedOrganisation:
    """Record `by`'s organisation as affected by `incident`, with its impact, instead of a
    new incident. From then on its duty contact is told every communication."""
    if not policy.may_join_incident(by):
        raise NotAllowed("Only Market Participants join an incident with their impact.")
    if not (impact or "").strip():
        raise InvalidTransition("Describe your organisation's impact.")
    if not joinable_incidents(incident.services.all()).filter(pk=incident.pk).exists():
        raise InvalidTransition(f"{incident.reference} cannot be joined: it is not an open "
                                "major or master incident.")
    if incident.organisation_id == by.organisation_id or incident.children.filter(
            organisation_id=by.organisation_id).exists():
        raise InvalidTransition(f"Your organisation has already raised {incident.reference} "
                                "or an incident under it.")
    try:
        with transaction.atomic():
            return AffectedOrganisation.objects.create(
                incident=incident, organisation=by.organisation, impact=impact.strip(),
                recorded_by=by, how=AffectedOrganisation.How.JOINED)
    except IntegrityError:
        raise InvalidTransition(
            f"Your organisation has already joined {incident.reference}.") from None


# --- the cascade -----------------------------------------------------------------------
def _system_author(incident):
    desk = Organisation.objects.filter(kind=Organisation.Kind.SERVICE_DESK).first()
    return User.objects.system_account_for(desk or incident.organisation)


def cascade(communication_id):
    """Copy one master communication to every child that has not had it (each child in its
    own transaction: a cascade stopped half-way and run again repeats nobody). A restore
    also resolves the open children with the master's resolution at its instant.
    Return how many children it reached now."""
    communication = (Communication.objects.select_related("incident", "by")
                     .filter(pk=communication_id).first())
    if communication is None:
        return 0
    master = communication.incident
    author = communication.by or _system_author(master)
    pending = (master.children.exclude(cascaded_updates__communication=communication)
               .values_list("pk", flat=True))
    reached = 0
    with audit.acting(actor=communication.by, channel=audit.Channel.SYSTEM):
        for child_id in list(pending):
            reached += _cascade_to(communication, master, child_id, author)
    return reached


def children_behind(limit=200):
    """Return ids of children missing one of their master's communications (a catch-up or
    cascade lost with the broker; the communications sweep runs them again). Only what the
    current master sent counts as had: a child re-linked to another master keeps the
    updates of its first, which are not the new one's."""
    return list(Incident.objects.filter(master__isnull=False)
                .annotate(sent=Count("master__communications", distinct=True),
                          got=Count("cascaded_updates", distinct=True, filter=Q(
                              cascaded_updates__communication__incident=F("master"))))
                .filter(got__lt=F("sent")).values_list("pk", flat=True)[:limit])


def catch_up(child_id):
    """Give a newly linked child the master's communications so far (each once, as a
    comment), and its organisation the latest one by email unless it had it. Return how
    many communications it caught up on."""
    child = Incident.objects.select_related("organisation", "master").filter(pk=child_id).first()
    if child is None or child.master is None:
        return 0
    master = child.master
    sent = list(master.communications.select_related("by").order_by("at", "pk"))
    reached = 0
    with audit.acting(actor=None, channel=audit.Channel.SYSTEM):
        for communication in sent:
            reached += _cascade_to(communication, master, child.pk,
                                   communication.by or _system_author(master))
    if sent and not child.organisation.is_internal:
        communications.tell_organisation(sent[-1], child.organisation)
    return reached


@transaction.atomic
def _cascade_to(communication, master, child_id, author):
    child = Incident.objects.select_for_update().select_related("sla_policy").get(pk=child_id)
    if child.master_id != master.pk or CascadedUpdate.objects.filter(
            child=child, communication=communication).exists():
        return 0
    comment = IncidentComment.objects.create(
        incident=child, author=author, is_public=True, created_at=communication.at,
        body=f"{communication.get_kind_display()} from master incident {master.reference}: "
             f"{communication.body}")
    CascadedUpdate.objects.create(child=child, communication=communication, comment=comment)
    if (communication.kind == Communication.Kind.RESTORE and master.resolved_at
            and child.status in (Status.NEW, Status.IN_PROGRESS, Status.PENDING)):
        at = max(master.resolved_at, child.created_at)
        child.resolve(by=communication.by, resolution_code=master.resolution_code,
                      notes=f"Resolved with master incident {master.reference}: "
                            f"{master.resolution_notes}", at=at)
        after_change(child, at=at)
    return 1
