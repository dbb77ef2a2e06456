"""Service request work: raise, approve or reject, hand out tasks, fulfil, close, cancel.

The portal, the console and the API all call these functions, so each rule is
written once. Every function is keyword-only and atomic, checks permission
through accounts.policy, leaves the status moves to the model methods, then
recomputes the SLA clocks from the rows (servicerequests.clocks).
"""

from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.models import Organisation
from incidents.models import ReferenceCounter

from . import access, clocks, notify
from .answers import clean_answers
from .errors import InvalidAnswers, InvalidTransition, NotAllowed
from .models import (
    Channel,
    FulfilmentGroup,
    FulfilmentTask,
    RequestComment,
    RequestItem,
    RequestTransition,
    ServiceRequest,
    Status,
    TaskTransition,
)


def _lock(service_request):
    """Reload the request under a row lock so two agents cannot move it at once."""
    return ServiceRequest.objects.select_for_update().select_related(
        "item", "organisation", "sla_version__calendar", "sla_version__policy").get(
        pk=service_request.pk)


@transaction.atomic
def raise_request(*, item, raised_by, answers, channel=Channel.PORTAL, requester=None, at=None):
    """Validate `answers` against the item's fields and record the request.

    `requester` is the person the request is for (default: `raised_by`); the desk
    raises on someone's behalf by phone or email. Raise InvalidAnswers with
    field errors, NotAllowed if the person may not ask for this item.
    """
    requester = requester or raised_by
    on_behalf = requester.pk != raised_by.pk
    if on_behalf and not policy.may_raise_request_on_behalf(raised_by):
        raise NotAllowed("Only the Service Desk records requests on someone else's behalf.")
    if not policy.may_raise_service_request(raised_by) or requester.organisation_id is None:
        raise NotAllowed("You may not raise service requests.")
    if not RequestItem.objects.requestable_by(requester).filter(pk=item.pk).exists():
        raise NotAllowed(f"{item.name} is not available to {requester.display_name}.")
    if channel not in Channel.values or (channel in (Channel.PHONE, Channel.EMAIL)
                                         and not policy.is_desk(raised_by)):
        raise NotAllowed("Only the Service Desk records phone and email requests.")
    cleaned, errors = clean_answers(item, answers)
    if errors is None:
        errors = access.check(item=item, answers=cleaned, organisation=requester.organisation)
    if errors:
        raise InvalidAnswers(errors)
    at = at or timezone.now()
    version = item.sla_policy.version_in_force(at)
    if version is None:
        raise InvalidTransition(f"{item.name} has no service level in force; "
                                "ask Switching Operations.")
    request = ServiceRequest.objects.create(
        reference=f"REQ-{ReferenceCounter.next('REQ'):06d}", item=item,
        organisation=requester.organisation, requester=requester, raised_by=raised_by,
        channel=channel, answers=cleaned, sla_version=version, created_at=at)
    RequestTransition.objects.create(request=request, to_status=Status.SUBMITTED, by=raised_by,
                                     at=at, reason=f"Raised via {request.get_channel_display()}")
    if item.needs_approval:
        request.send_for_approval(at=at)
        notify.approval_needed(request)
    clocks.refresh_request(request, now=at)
    notify.raised(request)
    return request


@transaction.atomic
def decide(*, service_request, by, approve, comment="", at=None):
    """Approve or reject a request awaiting approval; only the named approver role may."""
    request = _lock(service_request)
    if request.status != Status.AWAITING_APPROVAL:
        raise InvalidTransition(f"{request.reference} is not awaiting approval.")
    if not policy.may_approve_service_request(by, request):
        raise NotAllowed(f"Only {request.item.get_approver_role_display().lower()} may decide "
                         f"on {request.reference}, and not the person who raised it or "
                         "whom it is for.")
    if approve:
        request.approve(by=by, comment=comment, at=at)
    else:
        request.reject(by=by, comment=comment, at=at)
    clocks.refresh_request(request, now=at)
    notify.decided(request)
    return request


def fulfilment_group_for(item):
    """Return the organisation that fulfils `item` (the desk, Operations or its provider)."""
    if item.fulfilment_group == FulfilmentGroup.PROVIDER and item.fulfilment_provider_id:
        return item.fulfilment_provider
    kind = (Organisation.Kind.SWITCHING_OPERATIONS
            if item.fulfilment_group == FulfilmentGroup.OPERATIONS
            else Organisation.Kind.SERVICE_DESK)
    return Organisation.objects.filter(kind=kind, is_active=True).order_by("pk").first()


def _require_worker(by):
    if not policy.may_work_service_requests(by):
        raise NotAllowed("Only the Service Desk and Switching Operations work requests.")


@transaction.atomic
def start_fulfilment(*, service_request, by, at=None):
    """Take a request into fulfilment and hand the first task to the item's group."""
    _require_worker(by)
    request = _lock(service_request)
    at = at or timezone.now()
    request.start_fulfilment(by=by, at=at)
    clocks.refresh_request(request, now=at)
    group = fulfilment_group_for(request.item)
    if group is not None:
        _create_task(request=request, by=by, group=group, title=f"Fulfil: {request.item.name}",
                     instructions=request.item.description, at=at)
    return request


def _create_task(*, request, by, group, title, instructions, at):
    task = FulfilmentTask.objects.create(request=request, title=title, instructions=instructions,
                                         assigned_group=group, created_by=by, created_at=at)
    TaskTransition.objects.create(task=task, to_status=task.status, by=by, at=at,
                                  reason=f"Handed to {group.name}")
    clocks.refresh_task(task, now=at)
    notify.task_assigned(task)
    return task


@transaction.atomic
def add_task(*, service_request, by, group, title, instructions="", at=None):
    """Hand a further piece of work to the desk, Operations or a CDS provider."""
    _require_worker(by)
    request = _lock(service_request)
    if request.status != Status.IN_FULFILMENT:
        raise InvalidTransition(f"{request.reference} is not in fulfilment; start it first.")
    if group.kind == Organisation.Kind.MARKET_PARTICIPANT:
        raise InvalidTransition("Tasks go to the desk, Operations or a CDS provider.")
    if not (title or "").strip():
        raise InvalidTransition("Give the task a title.")
    return _create_task(request=request, by=by, group=group, title=title.strip(),
                        instructions=instructions, at=at or timezone.now())


@transaction.atomic
def move_task(*, task, by, to, notes="", at=None):
    """Start, complete (with notes) or cancel a task; its group or the desk may."""
    task = FulfilmentTask.objects.select_for_update().select_related("request").get(pk=task.pk)
    if not policy.may_work_request_task(by, task):
        raise NotAllowed("This task is not handed to your organisation.")
    if to == FulfilmentTask.Status.IN_PROGRESS:
        task.start(by=by, at=at)
    elif to == FulfilmentTask.Status.DONE:
        task.complete(by=by, notes=notes, at=at)
        notify.task_done(task)
    elif to == FulfilmentTask.Status.CANCELLED:
        if not policy.may_work_service_requests(by):
            raise NotAllowed("Only the Service Desk cancels a task.")
        if not (notes or "").strip():
            raise InvalidTransition("Say why the task is cancelled.")
        task.cancel(by=by, reason=notes, at=at)
    else:
        raise InvalidTransition("Move a task to in progress, done or cancelled.")
    clocks.refresh_task(task, now=at)
    return task


@transaction.atomic
def fulfil(*, service_request, by, outcome, at=None):
    """Mark the request fulfilled, carrying out its access effect (if any) first."""
    _require_worker(by)
    request = _lock(service_request)
    if not (outcome or "").strip():
        raise InvalidTransition("Say what was done; the requester sees it.")
    if request.status != Status.IN_FULFILMENT:
        request.check_move(Status.FULFILLED)
    if request.tasks.open().exists():
        raise InvalidTransition(f"{request.reference} still has open fulfilment tasks.")
    done = access.apply(request=request, by=by)
    request.fulfil(by=by, outcome=f"{outcome.strip()}\n{done}".strip(), at=at)
    clocks.refresh_request(request, now=at)
    notify.fulfilled(request)
    return request


@transaction.atomic
def close(*, service_request, by, reason="", at=None):
    """Close a fulfilled request: the requester confirms, or the desk closes it."""
    request = _lock(service_request)
    if not (policy.may_work_service_requests(by) or policy.may_cancel_service_request(by, request)):
        raise NotAllowed("Only the requester's organisation or the desk may close it.")
    request.close(by=by, reason=reason, at=at)
    clocks.refresh_request(request, now=at)
    return request


@transaction.atomic
def cancel(*, service_request, by, reason, at=None):
    """Withdraw a request (requester, its organisation's admins, or the desk)."""
    request = _lock(service_request)
    if not policy.may_cancel_service_request(by, request):
        raise NotAllowed("You may not cancel this request.")
    for task in request.cancel(by=by, reason=reason, at=at):
        clocks.refresh_task(task, now=at)
    clocks.refresh_request(request, now=at)
    notify.cancelled(request)
    return request


@transaction.atomic
def add_comment(*, service_request, author, body, at=None):
    """Add a comment (requester's side, desk or a provider with a task) and tell the other side.

    Raise NotAllowed if `author` may not comment, InvalidTransition on an empty comment or a
    request that is closed or cancelled.
    """
    if not policy.may_comment_on_service_request(author, service_request):
        raise NotAllowed("You may not comment on this request.")
    if service_request.status in (Status.CLOSED, Status.CANCELLED):
        raise InvalidTransition(f"{service_request.reference} is "
                                f"{service_request.get_status_display().lower()}; raise a new "
                                "request instead.")
    if not (body or "").strip():
        raise InvalidTransition("Write a comment.")
    comment = RequestComment.objects.create(request=service_request, author=author,
                                            body=body.strip(), created_at=at or timezone.now())
    notify.commented(comment)
    return comment


@transaction.atomic
def transition(*, service_request, by, to, reason="", at=None):
    """Move a request to `to` by the matching function (API and portal share this)."""
    if to == Status.IN_FULFILMENT:
        return start_fulfilment(service_request=service_request, by=by, at=at)
    if to == Status.FULFILLED:
        return fulfil(service_request=service_request, by=by, outcome=reason, at=at)
    if to == Status.CLOSED:
        return close(service_request=service_request, by=by, reason=reason, at=at)
    if to == Status.CANCELLED:
        return cancel(service_request=service_request, by=by, reason=reason, at=at)
    if to in (Status.APPROVED, Status.REJECTED):
        return decide(service_request=service_request, by=by, approve=to == Status.APPROVED,
                      comment=reason, at=at)
    raise InvalidTransition("Choose in_fulfilment, fulfilled, closed, cancelled, approved or "
                            "rejected.")
