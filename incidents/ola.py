"""OLA clocks of provider tasks: each task's own events fed to the one clock engine.

A task is one hand-off of an incident to a resolver group; several may run at once, one
per group. Its OLA clock starts when the group gets the task and stops when the task
ends: the group completes it, rejects it back to the desk, or hands it to another group,
or the incident is resolved, cancelled or closed (which stops every open task at that
moment). A reopen opens a new task for the group that gets the incident back. So time
used and the OLA verdict stop growing once an incident is resolved.

The clock is `engine.run` over the task's own start and stop, nothing special to tasks
(ProviderTask.ola_clock, kernel.clocks.work.work_clock).
"""

from .models import OlaTarget, ProviderTask, TaskStatus

END_REASONS = {"resolved": "resolved", "cancelled": "cancelled", "closed": "closed"}


def open_task(*, incident, resolver_group, by, reason="", at, due_at=None):
    """Start a task (and its OLA clock) for `resolver_group`; the caller has checked the
    group holds no open task on the incident."""
    ola = OlaTarget.objects.filter(resolver_group=resolver_group,
                                   severity=incident.severity).select_related("calendar").first()
    task = ProviderTask(incident=incident, resolver_group=resolver_group, assigned_by=by,
                        reason=reason, assigned_at=at, ola_target=ola, due_at=due_at)
    task.ola_due_at = task.ola_clock(now=at).due_at
    task.save(force_insert=True)
    task.transitions.create(from_status="", to_status=TaskStatus.OPEN, by=by, at=at,
                            reason=reason)
    return task


def end_task(task, *, to, at, because, by=None, outcome="", handed_to=None):
    """End one open task at `at` in status `to` (its OLA clock stops)."""
    task.end(to, by=by, because=because, outcome=outcome, at=at, handed_to=handed_to)
    return task


def end_open_tasks(*, incident, at, because, by=None, to=TaskStatus.STOPPED, outcome=""):
    """End every open task of the incident at `at`; return them."""
    tasks = list(incident.tasks.open().select_related("resolver_group"))
    for task in tasks:
        end_task(task, to=to, at=at, because=because, by=by, outcome=outcome)
    return tasks


def follow_status(incident):
    """Keep the tasks in step with the incident's last move (called after every change):
    resolving, cancelling or closing stops every open task at that moment; a reopen gives
    the incident's group a new task."""
    last = incident.transitions.order_by("-at", "-pk").first()
    if last is None:
        return
    if last.to_status in END_REASONS:
        end_open_tasks(incident=incident, at=last.at, because=END_REASONS[last.to_status],
                       by=last.by)
    elif (last.from_status == "resolved" and last.to_status == "in_progress"
          and incident.assigned_group_id
          and not incident.tasks.open().filter(resolver_group=incident.assigned_group_id)
          .exists()):
        open_task(incident=incident, resolver_group=incident.assigned_group, by=last.by,
                  reason="Reopened", at=last.at)
