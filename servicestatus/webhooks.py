"""Webhook delivery: signed POSTs from an outbox, with backoff, a log and auto-disable.

Each message is a WebhookDelivery row written in the same transaction as the
change it reports; a Celery task delivers it after commit and a beat sweep
(beat.py) retries anything due, so a lost task or a Redis outage delays a
webhook but never loses it.

Receivers verify `X-SSM-Signature: sha256=<hex>`, the HMAC-SHA256 under the
endpoint's secret of `<X-SSM-Timestamp>.` followed by the raw body, and
should reject timestamps older than a few minutes (replay protection).
"""

import hashlib
import hmac
import ipaddress
import json
import time
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from accounts import policy
from kernel.after_commit import enqueue_after_commit
from notifications.services import queue_email

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

USER_AGENT = "SwitchingSM-Webhooks/1.0"
LEASE = timedelta(minutes=2)  # longer than any attempt; a crashed worker's claim then expires


def timeout():
    """Return (connect, read) seconds for one POST (settings WEBHOOK_CONNECT_TIMEOUT and
    WEBHOOK_READ_TIMEOUT): a slow or silent receiver costs one attempt, never a worker."""
    return (float(getattr(settings, "WEBHOOK_CONNECT_TIMEOUT", 3.05)),
            float(getattr(settings, "WEBHOOK_READ_TIMEOUT", 5.0)))


def disable_after():
    """Return N: an endpoint is disabled after N consecutive failed attempts."""
    return int(getattr(settings, "SERVICESTATUS_WEBHOOK_DISABLE_AFTER", 5))


def sign(secret, timestamp, body):
    """Return the signature header value for raw `body` (bytes) sent at `timestamp`."""
    message = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret, timestamp, body, signature):
    """Return True if `signature` is valid for `body` at `timestamp` (for receivers and tests)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")


def _enqueue_after_commit(*delivery_ids):
    for delivery_id in delivery_ids:
        enqueue_after_commit("servicestatus.tasks.deliver_webhook", delivery_id,
                             sweep="the webhook sweep (every minute)")


def queue(*, endpoint, event_type, payload):
    """Write a delivery to the outbox in the current transaction; send it after commit."""
    body = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event_type=event_type,
                                              payload=body)
    _enqueue_after_commit(delivery.pk)
    return delivery


def _post(endpoint, delivery):
    """POST one delivery; return (status_code or None, error text)."""
    body = json.dumps({"id": delivery.pk, "type": delivery.event_type,
                       "created_at": delivery.created_at.isoformat(),
                       "data": delivery.payload}).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-SSM-Event": delivery.event_type,
        "X-SSM-Delivery": str(delivery.pk),
        "X-SSM-Timestamp": timestamp,
        "X-SSM-Signature": sign(endpoint.secret, timestamp, body),
    }
    try:
        # stream=True: only the status line and headers are read (the read timeout bounds
        # each of them); the body, which we never use, is not downloaded.
        with requests.post(endpoint.url, data=body, headers=headers, timeout=timeout(),
                           allow_redirects=False, stream=True) as response:
            pass
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"HTTP {response.status_code}"


def _claim(delivery_id):
    """Lease one due delivery to this worker; return (delivery, endpoint) or None.

    The lease (next_attempt_at pushed LEASE ahead) is committed before the
    HTTP call, so no database lock is held while a slow receiver answers, a
    task and the sweep never send the same message at once, and a worker
    that dies mid-call leaves a delivery the sweep retries after the lease.
    """
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update()
                    .filter(pk=delivery_id, status=WebhookDelivery.State.PENDING,
                            next_attempt_at__lte=timezone.now())
                    .select_related("endpoint").first())
        if delivery is None or not delivery.endpoint.is_enabled:
            return None  # not due, done, or kept until the owner re-enables the endpoint
        delivery.next_attempt_at = timezone.now() + LEASE
        delivery.save(update_fields=["next_attempt_at"])
        return delivery, delivery.endpoint


def deliver(delivery_id):
    """Attempt one due delivery; record the attempt; return True if delivered."""
    claimed = _claim(delivery_id)
    if claimed is None:
        return False
    delivery, endpoint = claimed
    started = time.monotonic()
    status_code, error = _post(endpoint, delivery)
    with transaction.atomic():
        now = timezone.now()
        # Lock the endpoint so concurrent deliveries count failures exactly.
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        WebhookAttempt.objects.create(
            delivery=delivery, attempted_at=now, status_code=status_code, error=error,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        delivery.attempts += 1
        delivery.last_status_code, delivery.last_error = status_code, error
        if not error:
            delivery.status, delivery.delivered_at = WebhookDelivery.State.DELIVERED, now
            if endpoint.consecutive_failures:
                endpoint.consecutive_failures = 0
                endpoint.save(update_fields=["consecutive_failures"])
        else:
            if delivery.attempts >= WebhookDelivery.MAX_ATTEMPTS:
                delivery.status = WebhookDelivery.State.FAILED
            else:
                delivery.next_attempt_at = now + delivery.backoff()
            _count_failure(endpoint, error, now)
        delivery.save(update_fields=["attempts", "last_status_code", "last_error", "status",
                                     "delivered_at", "next_attempt_at"])
    return not error


def _count_failure(endpoint, error, now):
    endpoint.consecutive_failures += 1
    fields = ["consecutive_failures"]
    if endpoint.consecutive_failures >= disable_after():
        endpoint.is_enabled, endpoint.disabled_at = False, now
        endpoint.disabled_reason = (
            f"Disabled after {endpoint.consecutive_failures} consecutive failures "
            f"(last: {error})"
        )[:300]
        fields += ["is_enabled", "disabled_at", "disabled_reason"]
        _tell_owner_disabled(endpoint)
    endpoint.save(update_fields=fields)


def _tell_owner_disabled(endpoint):
    admins = endpoint.organisation.users.filter(is_org_admin=True, is_active=True)
    queue_email(
        to=[u.email for u in admins] or [endpoint.organisation.contact_email],
        subject=f"Webhook disabled: {endpoint.url}",
        template="servicestatus/email/webhook_disabled",
        context={"endpoint": endpoint}, topic="webhook.disabled",
    )


def deliver_due(limit=500):
    """Deliver every due delivery (the beat sweep); return how many succeeded."""
    ids = list(WebhookDelivery.objects.due().order_by("next_attempt_at")
               .values_list("pk", flat=True)[:limit])
    return sum(deliver(delivery_id) for delivery_id in ids)


@transaction.atomic
def enable_endpoint(*, endpoint, by):
    """Re-enable a disabled endpoint (its organisation's admin); pending deliveries resume."""
    if not policy.may_manage_webhooks(by, endpoint.organisation_id):
        raise PermissionDenied("Only your organisation's administrators manage its webhooks.")
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.is_enabled, endpoint.consecutive_failures = True, 0
    endpoint.disabled_at, endpoint.disabled_reason = None, ""
    endpoint.save(update_fields=["is_enabled", "consecutive_failures", "disabled_at",
                                 "disabled_reason"])
    # The outbox is not an audited business record, so a bulk update is fine here.
    pending = endpoint.deliveries.filter(status=WebhookDelivery.State.PENDING)
    pending.update(next_attempt_at=timezone.now())
    ids = list(pending.values_list("pk", flat=True))
    _enqueue_after_commit(*ids)
    return endpoint


def check_url(url):
    """Raise ValidationError unless `url` may receive webhooks.

    Refuses loopback, private and link-local addresses and `localhost`, so an
    organisation cannot make this server probe its own network. Local
    development and tests allow them with SERVICESTATUS_WEBHOOK_ALLOW_PRIVATE.
    (A hostname is not resolved here; production egress rules are the second
    line of defence.)
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": "Use an http or https URL."})
    if parts.username or parts.password:
        raise ValidationError({"url": "Put no user name or password in the URL: every POST is "
                                      "signed, so your server can check it came from us."})
    if parts.fragment:
        raise ValidationError({"url": "Remove the #fragment: it is never sent to a server."})
    if getattr(settings, "SERVICESTATUS_WEBHOOK_ALLOW_PRIVATE", settings.DEBUG):
        return
    host = parts.hostname.lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if host == "localhost" or host.endswith(".localhost") or (address and (
            address.is_private or address.is_loopback or address.is_link_local
            or address.is_reserved or address.is_unspecified)):
        raise ValidationError({"url": "Webhooks cannot be sent to local or private addresses."})
    if parts.scheme != "https":
        raise ValidationError({"url": "Use an https URL: webhooks carry your status data "
                                      "across the internet."})


@transaction.atomic
def register_endpoint(*, organisation, url, topics, services=(), by):
    """Register a webhook for `organisation`; return it (its secret is shown to the owner)."""
    if not policy.may_manage_webhooks(by, organisation.pk):
        raise PermissionDenied("Only your organisation's administrators manage its webhooks.")
    check_url(url)
    if WebhookEndpoint.objects.filter(organisation=organisation, url=url).exists():
        raise ValidationError({"url": "Your organisation already has a webhook at this URL; "
                                      "change its topics there instead."})
    endpoint = WebhookEndpoint.objects.create(organisation=organisation, url=url,
                                              topics=sorted(set(topics)), created_by=by)
    endpoint.services.set(services)
    return endpoint
