"""Portal pages: catalogue, generated request form, my organisation's requests, detail with
timeline, approvals. Every change goes through servicerequests.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy

from . import services
from .answers import add_errors, form_for
from .clocks import request_figures, task_clock
from .errors import InvalidAnswers, RequestError
from .forms import (
    CommentForm,
    DecisionForm,
    OnBehalfForm,
    TaskForm,
    TaskMoveForm,
    TransitionForm,
)
from .models import Channel, FulfilmentTask, RequestItem, ServiceRequest
from .timeline import timeline_for


def _visible(request, reference):
    return get_object_or_404(
        ServiceRequest.objects.visible_to(request.user).select_related(
            "item", "organisation", "requester", "raised_by", "sla_version__calendar",
            "sla_version__policy"),
        reference=reference)


@login_required
def request_list(request):
    """My organisation's requests (providers: also those with tasks for them), time to target."""
    show = request.GET.get("show", "open")
    requests = ServiceRequest.objects.visible_to(request.user).select_related(
        "item", "organisation", "requester")
    if show == "open":
        requests = requests.open()
    elif show == "tasks":  # the work handed to my organisation (providers, desk, Operations)
        requests = requests.filter(pk__in=FulfilmentTask.objects.open().for_group(
            policy.organisation_scope(request.user)).values("request_id"))
    page = Paginator(requests.order_by("-created_at"), 50).get_page(request.GET.get("page"))
    return render(request, "servicerequests/list.html", {
        "page": page, "show": show, "now": timezone.now(),
        "may_raise": policy.may_raise_service_request(request.user),
        "awaiting_me": ServiceRequest.objects.awaiting_decision_by(request.user).count()})


@login_required
def catalogue(request):
    """The items this user may ask for."""
    if not policy.may_raise_service_request(request.user):
        raise PermissionDenied
    items = RequestItem.objects.requestable_by(request.user).select_related("sla_policy")
    return render(request, "servicerequests/catalogue.html", {"items": items})


@login_required
def raise_request(request, code):
    """Show the form generated from the item's fields; the desk also names the caller."""
    user = request.user
    if not policy.may_raise_service_request(user):
        raise PermissionDenied
    item = get_object_or_404(RequestItem.objects.requestable_by(user), code=code)
    on_behalf = OnBehalfForm(request.POST or None) if policy.is_desk(user) else None
    form = form_for(item, request.POST or None)
    if request.method == "POST":
        form.is_valid()  # bind errors for display; services re-validate from the raw data
        if on_behalf is None or on_behalf.is_valid():
            extra = ({"requester": on_behalf.cleaned_data["requester"],
                      "channel": on_behalf.cleaned_data["channel"]} if on_behalf else {})
            try:
                created = services.raise_request(item=item, raised_by=user, answers=request.POST,
                                                 **({"channel": Channel.PORTAL} | extra))
            except InvalidAnswers as exc:
                add_errors(form, exc.errors)
            except RequestError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Request {created.reference} has been raised.")
                return redirect(created)
    return render(request, "servicerequests/raise.html",
                  {"item": item, "form": form, "on_behalf": on_behalf})


@login_required
def request_detail(request, reference):
    sr = _visible(request, reference)
    user = request.user
    worker = policy.may_work_service_requests(user)
    tasks = list(sr.tasks.select_related("assigned_group"))
    now = timezone.now()
    for task in tasks:
        task.clock = task_clock(task, now=now)
        task.may_work = task.is_open and policy.may_work_request_task(user, task)
    return render(request, "servicerequests/detail.html", {
        "sr": sr, "now": now, "figures": request_figures(sr, now=now),
        "timeline": timeline_for(sr), "tasks": tasks, "answers": sr.answer_rows(),
        "approval": getattr(sr, "approval", None),
        "may_decide": sr.status == sr.Status.AWAITING_APPROVAL
        and policy.may_approve_service_request(user, sr),
        "may_cancel": sr.is_open and policy.may_cancel_service_request(user, sr),
        "may_close": sr.status == sr.Status.FULFILLED
        and (worker or policy.may_cancel_service_request(user, sr)),
        "worker": worker, "task_form": TaskForm() if worker else None,
        "may_comment": sr.status not in (sr.Status.CLOSED, sr.Status.CANCELLED)
        and policy.may_comment_on_service_request(user, sr),
        "comment_form": CommentForm()})


@login_required
@require_POST
def comment(request, reference):
    """Add a comment from the requester's side, the desk or a provider holding a task."""
    sr = _visible(request, reference)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write a comment before sending it.")
        return redirect(sr)
    try:
        services.add_comment(service_request=sr, author=request.user,
                             body=form.cleaned_data["body"])
    except RequestError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Your comment on {sr.reference} has been added.")
    return redirect(sr)


@login_required
def decide(request, reference):
    """Approve or reject (only the item's named approver role)."""
    sr = _visible(request, reference)
    if not policy.may_approve_service_request(request.user, sr):
        raise PermissionDenied
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide(service_request=sr, by=request.user,
                            approve=form.cleaned_data["decision"] == "approve",
                            comment=form.cleaned_data["comment"])
        except RequestError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Your decision on {sr.reference} has been recorded.")
            return redirect(sr)
    return render(request, "servicerequests/decide.html", {
        "sr": sr, "form": form, "answers": sr.answer_rows()})


@login_required
def approvals(request):
    """Requests awaiting a decision this user may give."""
    pending = ServiceRequest.objects.awaiting_decision_by(request.user).select_related(
        "item", "organisation", "requester").order_by("created_at")
    return render(request, "servicerequests/approvals.html", {"pending": pending})


def _done(request, sr, action):
    try:
        action()
    except RequestError as exc:
        messages.error(request, str(exc))
    return redirect(sr)


@login_required
@require_POST
def transition(request, reference):
    sr = _visible(request, reference)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose what to do.")
        return redirect(sr)
    data = form.cleaned_data
    if data["to"] == sr.Status.CANCELLED and not data["confirm"]:
        messages.error(request, f"Tick “Yes, cancel {sr.reference}” to cancel it.")
        return redirect(sr)
    return _done(request, sr, lambda: services.transition(
        service_request=sr, by=request.user, to=data["to"], reason=data["reason"]))


@login_required
@require_POST
def add_task(request, reference):
    sr = _visible(request, reference)
    if not policy.may_work_service_requests(request.user):
        raise PermissionDenied
    form = TaskForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the task a title and say who it is handed to.")
        return redirect(sr)
    data = form.cleaned_data
    return _done(request, sr, lambda: services.add_task(
        service_request=sr, by=request.user, group=data["group"], title=data["title"],
        instructions=data["instructions"]))


@login_required
@require_POST
def move_task(request, reference, pk):
    sr = _visible(request, reference)
    task = FulfilmentTask.objects.filter(request=sr, pk=pk).first()
    if task is None:
        raise Http404
    form = TaskMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose what to do with the task.")
        return redirect(sr)
    return _done(request, sr, lambda: services.move_task(
        task=task, by=request.user, to=form.cleaned_data["to"],
        notes=form.cleaned_data["notes"]))
