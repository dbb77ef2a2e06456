"""Tell subscribers: email to people, webhooks to organisations, both through outboxes.

Called inside the transaction that made the change, so the notices are
written (or not) together with it. Each person gets their own email: one
message to many addresses would show one party's people to another.
"""


from accounts.models import User
from notifications.services import notify_users

from . import webhooks
from .models import Status, WebhookEndpoint


def _status_payload(change):
    interval = change.interval
    service = interval.service
    return {
        "service": {"code": service.code, "name": service.name},
        "previous_status": change.previous,
        "status": change.current,
        "since": interval.start,
        "cause": interval.cause,
        "reference": interval.cause_reference,
        "reason": interval.reason,
    }


def status_changed(change):
    """Queue emails to the service's subscribers and webhooks to interested organisations."""
    interval = change.interval
    service = interval.service
    subscribers = User.objects.filter(
        status_subscriptions__service_id=service.pk, is_active=True
    ).distinct()
    context = {"service": service, "interval": interval,
               "previous": Status(change.previous).label}
    for user in subscribers:
        notify_users(
            users=[user], topic="status.changed",
            subject=f"{service.name}: {interval.get_status_display()}",
            template="servicestatus/email/status_changed", context=context,
            dedup_key=f"status-interval-{interval.pk}-user-{user.pk}",
        )
    payload = _status_payload(change)
    for endpoint in _endpoints_for_topic(WebhookEndpoint.Topic.STATUS):
        wanted = {s.pk for s in endpoint.services.all()}
        if not wanted or service.pk in wanted:
            webhooks.queue(endpoint=endpoint, event_type="service.status_changed",
                           payload=payload)


def _endpoints_for_topic(topic):
    """Return enabled endpoints listening to `topic` (filtered in Python: JSON lookups
    differ between SQLite and PostgreSQL, and there are few endpoints).

    A disabled endpoint is not queued new messages: a receiver that stays down
    would otherwise pile up an unbounded backlog. What was queued before it was
    disabled is kept and sent when its owner re-enables it.
    """
    endpoints = (WebhookEndpoint.objects.enabled().select_related("organisation")
                 .prefetch_related("services"))
    return [e for e in endpoints if topic in (e.topics or [])]


def bulletin_published(bulletin):
    """Queue the bulletin to subscribers of its kind and to organisations it reaches.

    Every recipient is checked against the bulletin's audience, so an internal
    bulletin never reaches a participant by email or webhook.
    """
    subscribers = User.objects.filter(
        status_subscriptions__bulletin_kind=bulletin.kind, is_active=True
    ).select_related("organisation").distinct()
    for user in subscribers:
        if not bulletin.reaches(user):
            continue
        notify_users(
            users=[user], topic=f"bulletin.{bulletin.kind}", subject=bulletin.title,
            template="servicestatus/email/bulletin", context={"bulletin": bulletin},
            dedup_key=f"bulletin-{bulletin.pk}-user-{user.pk}",
        )
    payload = {
        "id": bulletin.pk, "kind": bulletin.kind, "title": bulletin.title, "body": bulletin.body,
        "audience": bulletin.audience, "requires_acknowledgement":
            bulletin.requires_acknowledgement,
        "published_at": bulletin.published_at,
        "services": [s.code for s in bulletin.services.all()],
    }
    for endpoint in _endpoints_for_topic(WebhookEndpoint.Topic.BULLETIN):
        account = User.objects.system_account_for(endpoint.organisation)
        if bulletin.reaches(account):
            webhooks.queue(endpoint=endpoint, event_type="bulletin.published", payload=payload)

