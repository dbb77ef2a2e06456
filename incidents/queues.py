"""The desk's incident queues: which incidents each holds, in what order, and how many.

One definition serves the queue page (the console's incident list), the live counts on
the workspace home and the bench, so a queue means the same thing everywhere.

Urgency (the queues' order): the next SLA deadline first (the response due time while
the incident has not been responded to, the resolution due time while its clock runs;
whichever is sooner), so breached incidents lead, then those about to breach; ties go to
the more severe incident, then the older one. Incidents with no running clock (paused,
or closed) come last.

The queues hold open incidents only; the full incident list stays newest first.
"""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from .models import HeldEmail, Incident, PendingReason, Status
from .models.incident import BREACHED, breaching_within, next_due

BREACHING_MINUTES = 30  # "breaching soon": the next deadline is within this many minutes




# The queues' order (see the module docstring): next deadline, severity, age. Every queue
# holds open incidents only, so the partial index `inc_open_urgency_idx` serves it.
URGENCY = [next_due().asc(nulls_last=True), "severity", "pk"]


def by_urgency(queryset):
    """Order (open) incidents by urgency."""
    return queryset.order_by(*URGENCY)


@dataclass(frozen=True)
class Queue:
    """One queue: a condition on the open incidents `user` may see."""

    key: str
    label: str
    condition: object  # (user, now) -> Q over open incidents

    def incidents(self, queryset, user, now=None):
        """Return the queue's incidents among `queryset`, by urgency."""
        return by_urgency(queryset.open().filter(self.condition(user, now or timezone.now())))


QUEUES = {queue.key: queue for queue in [
    Queue("open", "All open", lambda user, now: Q()),
    Queue("unassigned", "Unassigned", lambda user, now: Q(assigned_group__isnull=True)),
    Queue("mine", "Assigned to me", lambda user, now: Q(assignee=user)),
    Queue("my_group", "My group", lambda user, now: Q(assigned_group_id=user.organisation_id)),
    Queue("breaching", f"Breaching within {BREACHING_MINUTES} min",
          lambda user, now: breaching_within(minutes=BREACHING_MINUTES, now=now)),
    Queue("breached", "Breached", lambda user, now: BREACHED),
    Queue("major", "Major incidents", lambda user, now: Q(is_major=True)),
    Queue("pending_participant", "Pending on participant",
          lambda user, now: Q(status=Status.PENDING,
                              pending_reason=PendingReason.AWAITING_PARTICIPANT)),
]}


def held_mail():
    """Return the inbound mail still waiting for the desk."""
    return HeldEmail.objects.filter(handled_at__isnull=True)


def queue_counts(user, now=None):
    """Return ([(queue, count)] for every queue as `user` sees it, held mail count).

    One pass over the open incidents (each queue is a conditional count of it) and one
    count of held mail, however many queues there are.
    """
    now = now or timezone.now()
    totals = Incident.objects.visible_to(user).open().aggregate(**{
        queue.key: Count("pk", filter=queue.condition(user, now)) for queue in QUEUES.values()})
    return [(queue, totals[queue.key] or 0) for queue in QUEUES.values()], held_mail().count()
