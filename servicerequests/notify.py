"""Notices about service requests, written to the outbox (notifications.services)."""

from accounts import policy
from accounts.models import Role, User
from notifications.services import notify_users, queue_email

from .models import ApproverRole

TOPIC = "service_request.update"
TEMPLATE = "servicerequests/email/update"


def _people(request):
    """Return the requester and, if different, whoever raised it (not system accounts)."""
    people = {request.requester_id: request.requester, request.raised_by_id: request.raised_by}
    return list(people.values())


def _tell(users, request, headline, body="", key=""):
    notify_users(users=users, topic=TOPIC, subject=f"{request.reference}: {headline}",
                 template=TEMPLATE,
                 context={"request": request, "headline": headline, "body": body},
                 dedup_key=f"{request.reference}-{key}" if key else None)


def raised(request):
    _tell(_people(request), request, f"we have your request for {request.item.name}",
          "We will keep you told of its progress.", key="raised")


def approvers_of(request):
    """Return the people who may decide on the request's approval."""
    role = request.item.approver_role
    if role == ApproverRole.OPERATIONS:
        users = User.objects.filter(role=Role.SWITCHING_OPERATIONS)
    elif role == ApproverRole.ORG_ADMIN:
        users = User.objects.filter(organisation=request.organisation, is_org_admin=True)
    else:
        return []
    return list(users.people().filter(is_active=True).exclude(
        pk__in=[request.raised_by_id, request.requester_id]))


def approval_needed(request):
    _tell(approvers_of(request), request, "your approval is needed",
          f"{request.requester.display_name} ({request.organisation.name}) asked for "
          f"{request.item.name}. Approve or reject it in the portal.", key="approval")


def decided(request):
    approval = request.approval
    verdict = approval.get_decision_display().lower()
    _tell(_people(request), request, f"request {verdict}", approval.comment,
          key=f"decided-{approval.decision}")


def task_assigned(task):
    """Tell the group a task was handed to: its contact address and its people."""
    request, group = task.request, task.assigned_group
    subject = f"{request.reference}: task for {group.name}: {task.title}"
    context = {"request": request, "headline": f"task handed to {group.name}",
               "body": f"{task.title}\n\n{task.instructions}", "task": task}
    queue_email(to=[group.contact_email], subject=subject, template=TEMPLATE, context=context,
                topic=TOPIC, dedup_key=f"{request.reference}-task-{task.pk}-group")
    if not group.is_internal:
        people = User.objects.people().filter(organisation=group, is_active=True)
        notify_users(users=people, topic=TOPIC, subject=subject, template=TEMPLATE,
                     context=context, dedup_key=f"{request.reference}-task-{task.pk}-people")


def task_done(task):
    desk = User.objects.people().filter(pk=task.created_by_id)
    _tell(desk, task.request, f"task done by {task.assigned_group.name}", task.notes,
          key=f"task-{task.pk}-done")


def fulfilled(request):
    _tell(_people(request), request, "request fulfilled", request.outcome, key="fulfilled")


def cancelled(request):
    _tell(_people(request), request, "request cancelled", key="cancelled")


def _desk_and_operations():
    return User.objects.people().filter(is_active=True, role__in=[Role.SERVICE_DESK,
                                                                  Role.SWITCHING_OPERATIONS])


def commented(comment):
    """Tell the other side of a comment: the desk hears from the requester's side, and the
    requester (and whoever raised it) hears from the desk or a provider. Never the author."""
    request, author = comment.request, comment.author
    people = [] if author.organisation_id == request.organisation_id else _people(request)
    if not policy.is_desk(author):
        people += list(_desk_and_operations().filter(role=Role.SERVICE_DESK))
    people = [p for p in {p.pk: p for p in people}.values() if p.pk != author.pk]
    _tell(people, request, f"new comment from {author.display_name}", comment.body,
          key=f"comment-{comment.pk}")


def breached(request, clock, due_at):
    """Tell the desk and Switching Operations once that a request missed a target."""
    _tell(_desk_and_operations(), request, f"{clock} target missed",
          f"The {clock} target was due {due_at:%d %b %Y %H:%M} UTC.", key=f"breach-{clock}")


def task_breached(task):
    """Tell the group holding a task, and the desk, once that the task is overdue."""
    request, group = task.request, task.assigned_group
    people = list(_desk_and_operations().filter(role=Role.SERVICE_DESK))
    if not group.is_internal:
        people += list(User.objects.people().filter(organisation=group, is_active=True))
    _tell(people, request, f"task overdue at {group.name}: {task.title}",
          key=f"task-{task.pk}-breach")
