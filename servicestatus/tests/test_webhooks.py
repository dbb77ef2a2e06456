"""Webhooks against a real HTTP server on 127.0.0.1: signing, retry with backoff, auto-disable."""

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from accounts.factories import UserFactory
from notifications.models import OutboundEmail
from servicestatus import webhooks
from servicestatus.factories import WebhookEndpointFactory
from servicestatus.models import Status, WebhookDelivery
from servicestatus.services import set_service_status

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


class Receiver:
    """A tiny webhook receiver that records requests and answers with `status`."""

    def __init__(self):
        self.requests, self.status = [], 204
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                receiver.requests.append((dict(self.headers), self.rfile.read(length)))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def admin(supplier_org):
    return UserFactory(username="amina", organisation=supplier_org, is_org_admin=True)


@pytest.fixture
def endpoint(receiver, supplier_org):
    return WebhookEndpointFactory(organisation=supplier_org, url=receiver.url, topics=["status"])


def queue_one(endpoint):
    return webhooks.queue(endpoint=endpoint, event_type="service.status_changed",
                          payload={"status": "degraded"})


def test_signature_is_hmac_sha256_over_timestamp_and_body():
    expected = "sha256=" + hmac.new(b"s3cret", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert webhooks.sign("s3cret", "1700000000", b"{}") == expected
    assert webhooks.verify("s3cret", "1700000000", b"{}", expected)
    assert not webhooks.verify("s3cret", "1700000001", b"{}", expected)
    assert not webhooks.verify("other", "1700000000", b"{}", expected)


def test_status_change_is_delivered_signed(receiver, endpoint, service, desk_agent,
                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        set_service_status(service=service, status=Status.MAJOR_OUTAGE, reason="Down",
                           by=desk_agent)
    [(headers, body)] = receiver.requests
    assert webhooks.verify(endpoint.secret, headers["X-SSM-Timestamp"], body,
                           headers["X-SSM-Signature"])
    message = json.loads(body)
    assert message["type"] == "service.status_changed"
    assert message["data"]["status"] == "major_outage"
    assert message["data"]["service"]["code"] == "uk-link"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.State.DELIVERED
    assert delivery.attempt_log.get().status_code == 204


def test_failure_is_retried_with_exponential_backoff(receiver, endpoint):
    receiver.status = 500
    with time_machine.travel(NOW, tick=False):
        delivery = queue_one(endpoint)
        assert webhooks.deliver(delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code) == (1, 500)
    assert delivery.next_attempt_at == NOW + timedelta(minutes=1)
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        assert webhooks.deliver_due() == 0 and len(receiver.requests) == 1  # not due yet
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        webhooks.deliver_due()
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == NOW + timedelta(minutes=1) + timedelta(minutes=2)
    receiver.status = 200
    with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
        assert webhooks.deliver_due() == 1
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert delivery.status == WebhookDelivery.State.DELIVERED
    assert endpoint.consecutive_failures == 0
    assert delivery.attempt_log.count() == 3


def test_unreachable_endpoint_is_logged(endpoint, receiver):
    receiver.close()
    delivery = queue_one(endpoint)
    webhooks.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.last_status_code is None and "Error" in delivery.last_error


def test_endpoint_disabled_after_consecutive_failures_and_owner_told(
        receiver, endpoint, admin, settings):
    settings.SERVICESTATUS_WEBHOOK_DISABLE_AFTER = 3
    receiver.status = 503
    deliveries = [queue_one(endpoint) for _ in range(4)]
    for delivery in deliveries:
        webhooks.deliver(delivery.pk)
    endpoint.refresh_from_db()
    assert not endpoint.is_enabled and "3 consecutive failures" in endpoint.disabled_reason
    assert len(receiver.requests) == 3  # the fourth waits for re-enabling
    assert OutboundEmail.objects.get(topic="webhook.disabled").to == [admin.email]
    assert WebhookDelivery.objects.filter(status="pending").count() == 4


def test_delivery_gives_up_after_max_attempts(receiver, endpoint, settings):
    settings.SERVICESTATUS_WEBHOOK_DISABLE_AFTER = 100
    receiver.status = 500
    delivery = queue_one(endpoint)
    for _ in range(WebhookDelivery.MAX_ATTEMPTS):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=NOW)
        webhooks.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.State.FAILED
    assert webhooks.deliver(delivery.pk) is False


def test_owner_admin_re_enables_and_pending_messages_go(receiver, endpoint, admin, settings,
                                                        django_capture_on_commit_callbacks):
    settings.SERVICESTATUS_WEBHOOK_DISABLE_AFTER = 1
    receiver.status = 500
    webhooks.deliver(queue_one(endpoint).pk)
    endpoint.refresh_from_db()
    assert not endpoint.is_enabled
    receiver.status = 200
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.enable_endpoint(endpoint=endpoint, by=admin)
    endpoint.refresh_from_db()
    assert endpoint.is_enabled and endpoint.consecutive_failures == 0
    assert WebhookDelivery.objects.get().status == WebhookDelivery.State.DELIVERED


def test_only_owner_admins_re_enable(endpoint, supplier_colleague, other_supplier_user):
    for user in (supplier_colleague, other_supplier_user):
        with pytest.raises(PermissionDenied):
            webhooks.enable_endpoint(endpoint=endpoint, by=user)


def test_nothing_lost_when_the_broker_is_down(receiver, endpoint, monkeypatch,
                                              django_capture_on_commit_callbacks):
    from servicestatus import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("redis unavailable")

    monkeypatch.setattr(tasks.deliver_webhook, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        queue_one(endpoint)
    assert receiver.requests == []
    assert webhooks.deliver_due() == 1  # the beat sweep
    assert len(receiver.requests) == 1


def test_org_admin_registers_webhook_in_portal_and_sees_secret(client, admin, receiver,
                                                                settings):
    settings.SERVICESTATUS_WEBHOOK_ALLOW_PRIVATE = True
    client.force_login(admin)
    response = client.post("/status/webhooks/", {"url": receiver.url, "topics": ["status"]})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Signing secret" in page


def test_non_admin_cannot_register_webhooks(client, supplier_colleague, receiver):
    client.force_login(supplier_colleague)
    response = client.post("/status/webhooks/", {"url": receiver.url, "topics": ["status"]})
    assert response.status_code == 403


def test_other_organisations_webhook_is_404(client, endpoint, other_supplier_user):
    client.force_login(other_supplier_user)
    assert client.get(f"/status/webhooks/{endpoint.pk}/").status_code == 404


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/x", "http://localhost/x",
                                 "http://10.1.2.3/x", "http://169.254.169.254/latest",
                                 "http://[::1]/x", "ftp://example.org/x"])
def test_webhooks_to_local_or_private_addresses_are_refused(admin, url, settings):
    from django.core.exceptions import ValidationError

    settings.SERVICESTATUS_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError):
        webhooks.register_endpoint(organisation=admin.organisation, url=url, topics=["status"],
                                   by=admin)


def test_portal_shows_why_a_webhook_url_is_refused(client, admin, settings):
    settings.SERVICESTATUS_WEBHOOK_ALLOW_PRIVATE = False
    client.force_login(admin)
    response = client.post("/status/webhooks/", {"url": "http://127.0.0.1/x",
                                                 "topics": ["status"]})
    assert response.status_code == 200
    assert "local or private" in response.content.decode()


def test_a_delivery_in_flight_is_not_sent_twice(receiver, endpoint):
    delivery = queue_one(endpoint)
    assert webhooks._claim(delivery.pk) is not None  # another worker is sending it
    assert webhooks.deliver(delivery.pk) is False
    assert webhooks.deliver_due() == 0
    assert receiver.requests == []


@pytest.mark.parametrize("url, message", [
    ("https://user:secret@hooks.example.org/x", "no user name or password"),
    ("https://hooks.example.org/x#part", "fragment"),
    ("http://hooks.example.org/x", "https"),
])
def test_webhook_targets_are_checked_on_the_url_field(client, admin, settings, url, message):
    settings.SERVICESTATUS_WEBHOOK_ALLOW_PRIVATE = False
    client.force_login(admin)
    response = client.post("/status/webhooks/", {"url": url, "topics": ["status"]})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["url"])
    assert 'href="#id_url"' in response.content.decode()


def test_the_same_target_is_not_registered_twice(admin, settings):
    from django.core.exceptions import ValidationError

    settings.SERVICESTATUS_WEBHOOK_ALLOW_PRIVATE = False
    webhooks.register_endpoint(organisation=admin.organisation, url="https://hooks.example.org/",
                               topics=["status"], by=admin)
    with pytest.raises(ValidationError):
        webhooks.register_endpoint(organisation=admin.organisation,
                                   url="https://hooks.example.org/", topics=["bulletin"], by=admin)
