"""Portal pages for bulletins, subscriptions, webhooks and event trends."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policy
from services.models import Service

from . import webhooks as webhook_service
from .bulletins import (
    BulletinError,
    acknowledgement_report,
    publish_bulletin,
    record_receipt,
    withdraw_bulletin,
)
from .events import event_trends
from .forms import BulletinForm, SubscriptionForm, WebhookForm
from .models import Bulletin, Event, Subscription, WebhookEndpoint
from .services import set_subscriptions


@login_required
def bulletin_list(request):
    bulletins = Bulletin.objects.visible_to(request.user).order_by("-published_at", "-created_at")
    return render(request, "servicestatus/bulletins.html", {
        "bulletins": bulletins[:100], "may_publish": policy.may_publish_bulletin(request.user),
    })


@login_required
def bulletin_new(request):
    if not policy.may_publish_bulletin(request.user):
        raise PermissionDenied
    form = BulletinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        bulletin = publish_bulletin(
            by=request.user, kind=data["kind"], title=data["title"], body=data["body"],
            audience=data["audience"], market_role=data["market_role"] or "",
            services=data["services"], requires_acknowledgement=data["requires_acknowledgement"],
            expires_at=data["expires_at"],
        )
        messages.success(request, "Bulletin published.")
        return redirect("servicestatus:bulletin", pk=bulletin.pk)
    return render(request, "servicestatus/bulletin_form.html", {"form": form})


@login_required
def bulletin_detail(request, pk):
    bulletin = get_object_or_404(Bulletin.objects.visible_to(request.user), pk=pk)
    receipt = bulletin.receipts.filter(user=request.user).first()
    report = None
    if policy.is_internal(request.user) and bulletin.requires_acknowledgement:
        report = acknowledgement_report(bulletin)
    return render(request, "servicestatus/bulletin.html", {
        "bulletin": bulletin, "receipt": receipt, "report": report,
        "may_publish": policy.may_publish_bulletin(request.user),
    })


@login_required
@require_POST
def bulletin_acknowledge(request, pk):
    bulletin = get_object_or_404(Bulletin.objects.visible_to(request.user), pk=pk)
    try:
        record_receipt(bulletin=bulletin, user=request.user,
                       acknowledge=bulletin.requires_acknowledgement)
    except (BulletinError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Thank you: your acknowledgement is recorded.")
    return redirect("servicestatus:bulletin", pk=bulletin.pk)


@login_required
@require_POST
def bulletin_withdraw(request, pk):
    bulletin = get_object_or_404(Bulletin.objects.visible_to(request.user), pk=pk)
    try:
        withdraw_bulletin(bulletin=bulletin, by=request.user)
    except BulletinError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Bulletin withdrawn.")
    return redirect("servicestatus:bulletin", pk=bulletin.pk)


@login_required
def subscriptions(request):
    mine = Subscription.objects.visible_to(request.user)
    initial = {
        "services": [s.service_id for s in mine if s.service_id],
        "bulletin_kinds": [s.bulletin_kind for s in mine if s.bulletin_kind],
    }
    form = SubscriptionForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        set_subscriptions(user=request.user, services=form.cleaned_data["services"],
                          bulletin_kinds=form.cleaned_data["bulletin_kinds"])
        messages.success(request, "Your subscriptions are saved.")
        return redirect("servicestatus:subscriptions")
    return render(request, "servicestatus/subscriptions.html", {"form": form})


def _may_manage(user):
    return bool(user.organisation_id) and policy.may_manage_webhooks(user, user.organisation_id)


@login_required
def webhooks(request):
    endpoints = WebhookEndpoint.objects.visible_to(request.user).select_related("organisation")
    may_manage = _may_manage(request.user)
    form = WebhookForm(request.POST or None)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                endpoint = webhook_service.register_endpoint(
                    organisation=request.user.organisation, url=form.cleaned_data["url"],
                    topics=form.cleaned_data["topics"], services=form.cleaned_data["services"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Webhook registered. Keep its signing secret safe.")
                return redirect("servicestatus:webhook", pk=endpoint.pk)
    return render(request, "servicestatus/webhooks.html", {
        "endpoints": endpoints, "form": form, "may_manage": may_manage,
    })


@login_required
def webhook_detail(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint.objects.visible_to(request.user), pk=pk)
    may_manage = policy.may_manage_webhooks(request.user, endpoint.organisation_id)
    deliveries = endpoint.deliveries.prefetch_related("attempt_log")[:50]
    return render(request, "servicestatus/webhook.html", {
        "endpoint": endpoint, "deliveries": deliveries, "may_manage": may_manage,
        "show_secret": may_manage and policy.same_organisation(request.user,
                                                               endpoint.organisation_id),
    })


@login_required
@require_POST
def webhook_enable(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint.objects.visible_to(request.user), pk=pk)
    webhook_service.enable_endpoint(endpoint=endpoint, by=request.user)
    messages.success(request, "Webhook re-enabled; waiting messages are being sent.")
    return redirect("servicestatus:webhook", pk=endpoint.pk)


@login_required
def event_trends_view(request):
    if not (policy.is_internal(request.user) or policy.is_provider(request.user)):
        raise Http404
    services = Service.objects.visible_to(request.user)
    if policy.is_provider(request.user):
        services = services.filter(provider_id=request.user.organisation_id)
    services = list(services.order_by("name"))
    trends = event_trends(services, days=14)
    rows = [{"service": s, "days": sorted(trends.get(s.pk, {}).items())} for s in services]
    recent = (Event.objects.visible_to(request.user).select_related("service")
              .order_by("-last_seen")[:50])
    return render(request, "servicestatus/events.html", {
        "rows": rows, "recent": recent,
        "for_review": Event.objects.visible_to(request.user).for_review().count(),
    })
