"""Provider tasks: the pieces of an incident handed to resolver groups, each with its own clock.

An incident may have several open tasks at once, one per resolver group (the CSS provider
and DCC working the same outage in parallel). Each task has its own OLA clock from the one
clock engine (kernel.clocks.work.work_clock), a status, notes and a due time. A task is
completed, rejected back to the desk with a reason, or handed to another group (which
opens that group's task); resolving, cancelling or closing the incident stops every open
task at that moment. The sequential assignment (incidents.services.assign_incident) is the
case of one task: handing the incident on ends the open tasks and opens one.

Task rows were the assignment legs until migration 0007, which kept every row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organisation
from accounts.policy import VisibleQuerySet
from kernel.clocks.work import work_clock
from kernel.transitions import Lifecycle, Moves, TransitionRecord

from ..errors import InvalidTransition


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"  # handed to the group; it has not said it is working on it yet
    IN_PROGRESS = "in_progress", "In progress"  # the group is working on it
    COMPLETED = "completed", "Completed"  # the group has done its part
    REJECTED = "rejected", "Rejected"  # sent back to the desk with a reason (not theirs)
    HANDED_OVER = "handed_over", "Handed over"  # passed to another group (its own task)
    STOPPED = "stopped", "Stopped"  # stopped with the incident (resolved, cancelled, closed)


OPEN_TASK_STATUSES = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)

TASK_MOVES = Moves(TaskStatus, {
    TaskStatus.OPEN: {TaskStatus.IN_PROGRESS, TaskStatus.COMPLETED, TaskStatus.REJECTED,
                      TaskStatus.HANDED_OVER, TaskStatus.STOPPED},
    TaskStatus.IN_PROGRESS: {TaskStatus.COMPLETED, TaskStatus.REJECTED, TaskStatus.HANDED_OVER,
                             TaskStatus.STOPPED},
    TaskStatus.COMPLETED: set(),
    TaskStatus.REJECTED: set(),
    TaskStatus.HANDED_OVER: set(),
    TaskStatus.STOPPED: set(),
}, error=InvalidTransition)


class ProviderTaskQuerySet(VisibleQuerySet):
    def open(self):
        """Return tasks still with their group (their OLA clock running)."""
        return self.filter(ended_at__isnull=True)

    def for_group(self, organisation_id):
        return self.filter(resolver_group_id=organisation_id)

    def ola_breached(self, now=None):
        """Return open tasks past their OLA due time."""
        return self.open().filter(ola_due_at__lt=now or timezone.now())


class ProviderTask(Lifecycle, models.Model):
    """One hand-off of an incident to one resolver group, with its own OLA clock."""

    MOVES = TASK_MOVES
    Status = TaskStatus

    class EndReason(models.TextChoices):
        """Why the task's OLA clock stopped (the clock engine's stop reason)."""

        REASSIGNED = "reassigned", "Handed to another group"  # another group's task started
        COMPLETED = "completed", "Completed by the group"
        REJECTED = "rejected", "Rejected back to the desk"
        RESOLVED = "resolved", "Incident resolved"  # the OLA clock stopped at resolution
        CANCELLED = "cancelled", "Incident cancelled"
        CLOSED = "closed", "Incident closed"

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE,
                                 related_name="tasks")
    resolver_group = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                       related_name="incident_tasks")
    status = models.CharField(max_length=12, choices=TaskStatus.choices,
                              default=TaskStatus.OPEN)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, related_name="+")
    reason = models.TextField(blank=True, help_text="What the desk asks the group to do.")
    assigned_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True,
                                  help_text="A due time the desk asked for; empty: the OLA's.")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_because = models.CharField(max_length=12, choices=EndReason.choices, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+")
    outcome = models.TextField(blank=True, help_text="What the group did, or why it rejected "
                                                     "or handed the task on.")
    handed_to = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", help_text="The task this one was handed to.")
    ola_target = models.ForeignKey("incidents.OlaTarget", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    ola_due_at = models.DateTimeField(null=True, blank=True)

    objects = ProviderTaskQuerySet.as_manager()

    class Meta:
        ordering = ["assigned_at", "pk"]
        indexes = [
            models.Index(fields=["resolver_group", "incident"], name="inc_leg_group_idx"),
            # a provider's open work (portal list, API, the workspace)
            models.Index(fields=["resolver_group", "ola_due_at"], name="inc_task_open_due_idx",
                         condition=Q(ended_at__isnull=True)),
        ]
        constraints = [models.UniqueConstraint(
            fields=["incident", "resolver_group"], condition=Q(ended_at__isnull=True),
            name="one_open_task_per_group")]

    def __str__(self):
        return f"{self.resolver_group} task from {self.assigned_at:%Y-%m-%d %H:%M}"

    @property
    def lifecycle_subject(self):
        return f"The {self.resolver_group} task"

    @property
    def is_open(self):
        return self.ended_at is None

    @property
    def due(self):
        """Return when the group is due to finish: the desk's due time, else the OLA's."""
        return self.due_at or self.ola_due_at

    def ola_clock(self, now=None):
        """Return this task's OLA clock from the one clock engine (kernel.clocks)."""
        target = self.ola_target
        return work_clock(started_at=self.assigned_at, ended_at=self.ended_at,
                          ended_because=self.ended_because,
                          target=target.duration() if target else None,
                          calendar=target.calendar.maths if target else None, now=now)

    def time_used(self, now=None):
        """Return the business time this group held the task (on its OLA calendar)."""
        return self.ola_clock(now).used

    def ola_breached(self, now=None):
        return self.ola_clock(now).breached

    # --- the lifecycle ---------------------------------------------------
    def start_work(self, *, by, at=None):
        """Open -> In progress: the group says it is working on it (the clock runs on)."""
        self.record_move(TaskStatus.IN_PROGRESS, by=by, at=at)

    def end(self, to, *, by, because, outcome="", at=None, handed_to=None):
        """End the task (its OLA clock stops at `at`) in status `to`, recording why."""
        self.check_move(to)
        if to in (TaskStatus.REJECTED, TaskStatus.HANDED_OVER) and not (outcome or "").strip():
            raise InvalidTransition("Say why the task is being "
                                    f"{'rejected' if to == TaskStatus.REJECTED else 'handed on'}.")
        at = at or timezone.now()
        self.ended_at, self.ended_because, self.ended_by = at, because, by
        self.outcome, self.handed_to = (outcome or "").strip(), handed_to
        self.record_move(to, by=by, at=at, reason=self.outcome,
                         update_fields=["ended_at", "ended_because", "ended_by", "outcome",
                                        "handed_to"])


class ProviderTaskTransition(TransitionRecord):
    """One change of a task's status (who, when, from, to, why, channel)."""

    statuses = TaskStatus

    task = models.ForeignKey(ProviderTask, on_delete=models.CASCADE, related_name="transitions")

    class Meta(TransitionRecord.Meta):
        indexes = [models.Index(fields=["task", "at"], name="inc_task_transition_idx")]

    def __str__(self):
        return f"task {self.task_id}: {self.from_status} -> {self.to_status}"


class ProviderTaskNoteQuerySet(VisibleQuerySet):
    pass


class ProviderTaskNote(models.Model):
    """A note on a task, written by the group or the desk; read by both, never by participants."""

    task = models.ForeignKey(ProviderTask, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = ProviderTaskNoteQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Note on task {self.task_id}"
