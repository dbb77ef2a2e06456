"""Status pages: public (no sign-in) and portal, the JSON status, the Atom feed, service detail."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from changes.selectors import current_unplanned_outages
from kernel.periods import month_bounds
from services.models import Service

from . import cache as status_cache
from . import snapshot
from .availability import measure_one
from .feeds import StatusFeed
from .forms import ReturnToAutomaticForm, SetStatusForm
from .models import Bulletin, ServiceState, StatusInterval
from .services import StatusError, return_to_automatic, set_service_status

PUBLIC_MAX_AGE = 15  # seconds a browser or proxy may reuse the public status unchecked


def public_response(request, name, build, content_type):
    """Return the public page `name` from its rendered bytes; 304 if the reader already
    has this generation.

    The ETag is the cache generation the bytes were rendered at, so pollers and proxies
    revalidate cheaply and see a change as soon as it is invalidated.
    """
    generation, body = status_cache.rendered(name, build)
    etag = f'"ssm-status-{generation}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    return response


def public_status(request):
    """The public status page: rendered once per cache generation, served to everyone."""
    if request.user.is_authenticated:
        return redirect("servicestatus:portal")
    return public_response(request, "public:html", lambda: render_to_string(
        "servicestatus/public.html", {"data": snapshot.get("public")}).encode(),
        "text/html; charset=utf-8")


def public_status_json(request):
    return public_response(request, "public:json", snapshot.public_json, "application/json")


def atom_feed(request):
    return public_response(request, "public:atom", lambda: StatusFeed()(request).content,
                           "application/atom+xml; charset=utf-8")


@login_required
def portal_status(request):
    data = snapshot.get("portal")
    bulletins = (Bulletin.objects.visible_to(request.user).published()
                 .order_by("-published_at")[:20])
    acknowledged = set()
    if bulletins:
        acknowledged = set(
            Bulletin.objects.filter(pk__in=[b.pk for b in bulletins],
                                    receipts__user=request.user,
                                    receipts__acknowledged_at__isnull=False)
            .values_list("pk", flat=True)
        )
    return render(request, "servicestatus/portal.html", {
        "data": data, "bulletins": bulletins, "acknowledged": acknowledged,
        # Per reader, like the bulletins: who sees a participant's outage is its audience.
        "participant_outages": current_unplanned_outages(user=request.user)[:50],
        "may_set_status": policy.may_set_service_status(request.user),
        "may_publish": policy.may_publish_bulletin(request.user),
        "may_view_events": policy.is_internal(request.user) or policy.is_provider(request.user),
    })


@login_required
def service_status(request, code):
    service = get_object_or_404(Service.objects.visible_to(request.user), code=code)
    state = ServiceState.objects.filter(service=service).first()
    now = timezone.now()
    local = timezone.localtime(now)
    this_month = month_bounds(local.year, local.month)
    last = (local.replace(day=1) - timedelta(days=1))
    last_month = month_bounds(last.year, last.month)
    figures = [
        ("This month so far", measure_one(service, start=this_month[0], end=this_month[1])),
        ("Last month", measure_one(service, start=last_month[0], end=last_month[1])),
    ]
    history = (StatusInterval.objects.filter(service=service).select_related("set_by")
               .order_by("-start")[:50])
    return render(request, "servicestatus/service.html", {
        "service": service, "state": state, "figures": figures, "history": history,
        "may_set_status": policy.may_set_service_status(request.user),
        "form": SetStatusForm(initial={"status": state.status if state else None}),
        "auto_form": ReturnToAutomaticForm(),
    })


@login_required
@require_POST
def set_status(request, code):
    service = get_object_or_404(Service.objects.visible_to(request.user), code=code)
    if not policy.may_set_service_status(request.user):
        raise PermissionDenied
    form = SetStatusForm(request.POST)
    if form.is_valid():
        try:
            set_service_status(service=service, status=form.cleaned_data["status"],
                               reason=form.cleaned_data["reason"], by=request.user)
        except StatusError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{service.name} status set.")
    else:
        messages.error(request, "Choose a status and give a reason.")
    return redirect("servicestatus:service", code=service.code)


@login_required
@require_POST
def set_automatic(request, code):
    service = get_object_or_404(Service.objects.visible_to(request.user), code=code)
    if not policy.may_set_service_status(request.user):
        raise PermissionDenied
    form = ReturnToAutomaticForm(request.POST)
    form.is_valid()
    try:
        return_to_automatic(service=service, reason=form.cleaned_data.get("reason", ""),
                            by=request.user)
    except StatusError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{service.name} status is derived automatically again.")
    return redirect("servicestatus:service", code=service.code)
