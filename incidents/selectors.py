"""Read-only questions about multi-party incidents, for pages, the API and other apps.

Other apps (post-incident reconciliation, the agent workspace) build on these rather than
on the rows, so the rules live here once:

- `affected_parties(incident)`: every organisation the incident affects, and how.
- `open_tasks(incident)`, `holding_up_restoration(incident)`: the provider tasks and
  which one restoration waits for.
- `children_of(master)`, `master_of(incident)`, `communication_due(incident)`,
  `communication_plan_of(incident)`.
- `tasks_seen_by(incident, user)`, `communications_of(incident)`: each read once for a
  page that shows them in several places (panels and timeline).
- `HISTORY`: the status and severity history, each row with who made the move, to read
  with the incident on a page that both shows it and replays the SLA from it.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import Organisation

from .models import Incident, IncidentTransition, ProviderTask, ProviderTaskTransition, SeverityChange

HISTORY = (Prefetch("transitions", IncidentTransition.objects.select_related("by")),
           Prefetch("severity_changes", SeverityChange.objects.select_related("by")))


@dataclass
class AffectedParty:
    """One organisation affected by an incident and how (raised, joined, provider)."""

    RAISED = "raised"  # raised the incident or one of its children (a participant)
    JOINED = "joined"  # added its impact instead of raising a duplicate
    PROVIDER = "provider"  # a resolver group with a task on the incident

    organisation: Organisation
    how: str
    incidents: list = field(default_factory=list)  # the incidents it raised (raised)
    tasks: list = field(default_factory=list)  # its tasks on the incident (provider)


def affected_parties(incident):
    """Return [AffectedParty] for `incident` (a master answers for its children too).

    Participant organisations that raised the incident or one of its children come first
    ("raised"), then those that joined it ("joined"), then every resolver group outside
    the desk and Switching Operations with a task on the incident or on a child
    ("provider"). An organisation appears once per way it is affected: a participant that
    both raised and joined is "raised"; a provider that also raised is listed twice.
    """
    parties, by_key = [], {}

    def party(org, how):
        key = (org.pk, how)
        if key not in by_key:
            by_key[key] = AffectedParty(org, how)
            parties.append(by_key[key])
        return by_key[key]

    raised = [incident, *incident.children.select_related("organisation").order_by("pk")]
    for row in raised:
        if row.organisation.kind != Organisation.Kind.MARKET_PARTICIPANT:
            continue
        party(row.organisation, AffectedParty.RAISED).incidents.append(row)
    for joined in incident.affected_organisations.select_related("organisation"):
        if (joined.organisation_id, AffectedParty.RAISED) not in by_key:
            party(joined.organisation, AffectedParty.JOINED)
    tasks = (ProviderTask.objects.filter(incident__in=[row.pk for row in raised])
             .select_related("resolver_group").exclude(resolver_group__kind__in=[
                 Organisation.Kind.SERVICE_DESK, Organisation.Kind.SWITCHING_OPERATIONS]))
    for task in tasks:
        party(task.resolver_group, AffectedParty.PROVIDER).tasks.append(task)
    return parties


def tasks_seen_by(incident, user):
    """Return the incident's tasks `user` may see, with what pages show of them (group,
    OLA target and calendar, who handed each out, its transitions and by whom)."""
    return list(ProviderTask.objects.visible_to(user).filter(incident=incident)
                .select_related("resolver_group", "ola_target__calendar", "assigned_by")
                .prefetch_related(Prefetch(  # each transition with its author: one read
                    "transitions", ProviderTaskTransition.objects.select_related("by"))))


def communications_of(incident):
    """Return the incident's communications, oldest first, each with who sent it."""
    return list(incident.communications.select_related("by").order_by("at"))


def open_tasks(incident, *, tasks=None):
    """Return the incident's open tasks, soonest due first (each with `due` and OLA due);
    `tasks`: the incident's tasks already read (tasks_seen_by), to pick the open ones from."""
    if tasks is None:
        tasks = list(incident.tasks.open().select_related("resolver_group",
                                                          "ola_target__calendar"))
    else:
        tasks = [task for task in tasks if task.ended_at is None]
    far = timezone.now().replace(year=9999)
    return sorted(tasks, key=lambda t: (t.due or far, t.assigned_at))


def holding_up_restoration(incident, now=None, *, tasks=None):
    """Return the open task restoration waits for, or None when no task is open.

    Restoration waits for every open task. The one said to hold it up is the task most
    overdue (the earliest due time already passed); if none is overdue, the task due last
    (the last to finish if each meets its due time); tasks without a due time come after
    those with one, longest-held first.
    """
    tasks = open_tasks(incident) if tasks is None else tasks  # `tasks`: open_tasks() already
    if not tasks:
        return None
    now = now or timezone.now()
    overdue = [t for t in tasks if t.due and t.due < now]
    if overdue:
        return min(overdue, key=lambda t: t.due)
    with_due = [t for t in tasks if t.due]
    if with_due:
        return max(with_due, key=lambda t: t.due)
    return min(tasks, key=lambda t: t.assigned_at)


def children_of(master):
    """Return the master's children, oldest first."""
    return master.children.select_related("organisation", "raised_by").order_by("created_at")


def master_of(incident):
    """Return the incident's master, or None."""
    if incident.master_id is None:
        return None
    return Incident.objects.select_related("organisation").get(pk=incident.master_id)


def communication_due(incident):
    """Return when the incident's next communication is due (its running plan), or None."""
    plan = getattr(incident, "communication_plan", None)
    if plan is None or not plan.is_running:
        return None
    return plan.next_update_due_at


@dataclass
class PlanSummary:
    """What the workspace shows of a major incident's communication plan."""

    cadence_minutes: int
    next_update_due_at: object  # None once the plan has ended (restored)
    last_update_at: object  # the latest communication on the incident, None before any
    last_update_by: object  # None: the system sent it (or none was sent)


def communication_plan_of(incident):
    """Return the incident's communication plan as a PlanSummary (the cadence, when the
    next update is due, when and by whom the last communication went out), or None when it
    has no plan (not a major incident)."""
    plan = getattr(incident, "communication_plan", None)
    if plan is None:
        return None
    last = incident.communications.select_related("by").order_by("-at", "-pk").first()
    return PlanSummary(cadence_minutes=plan.cadence_minutes,
                       next_update_due_at=communication_due(incident),
                       last_update_at=last.at if last else None,
                       last_update_by=last.by if last else None)


def open_tasks_for_group(organisation_id):
    """Return a resolver group's open tasks, soonest OLA due first (its work queue)."""
    return (ProviderTask.objects.open().for_group(organisation_id)
            .select_related("incident").order_by("ola_due_at", "assigned_at"))


def multiparty_panels(incident, *, tasks, communications, children_shown=50):
    """Return what an agent's view of `incident` shows of its multi-party side: open tasks
    (each with its due time), the one holding up restoration, its master or children,
    its latest communications and when the next one is due. `tasks` and `communications`:
    the rows already read for the page (tasks_seen_by, communications_of)."""
    children = children_of(incident)
    shown = list(children[:children_shown]) if incident.may_have("children") else []
    tasks = open_tasks(incident, tasks=tasks)
    latest = communications[::-1][:20]
    return {
        "open_tasks": tasks,
        "holding_up": holding_up_restoration(incident, tasks=tasks),
        "master": master_of(incident),
        "children": shown,
        "children_count": len(shown) if len(shown) < children_shown else children.count(),
        "communications": latest,
        "communication_due": communication_due(incident),
    }
