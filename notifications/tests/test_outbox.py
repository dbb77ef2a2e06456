"""The outbox: a notice is saved with the change and delivered later, once."""

import pytest
import time_machine
from django.db import transaction

from notifications import services
from notifications.models import NotificationPreference, OutboundEmail

pytestmark = pytest.mark.django_db


def queue(**overrides):
    kwargs = {"to": ["bea@brightwater.example"], "subject": "INC-000001 updated",
              "template": "notifications/email/test_notice", "context": {"reference": "INC-000001"}}
    kwargs.update(overrides)
    return services.queue_email(**kwargs)


def test_queued_email_is_delivered_after_commit(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue()
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["bea@brightwater.example"]
    assert "INC-000001" in mailoutbox[0].body
    assert mailoutbox[0].alternatives[0][1] == "text/html"


def test_nothing_is_queued_when_the_change_rolls_back(mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue()
        raise RuntimeError("the business change failed")
    assert not OutboundEmail.objects.exists()


def test_broker_down_keeps_the_email_for_the_sweep(monkeypatch, django_capture_on_commit_callbacks,
                                                    mailoutbox):
    from notifications import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.deliver_email, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        email = queue()
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.PENDING
    assert services.deliver_due() == 1
    assert len(mailoutbox) == 1


def test_sweep_twice_sends_once(mailoutbox):
    queue()
    assert services.deliver_due() == 1
    assert services.deliver_due() == 0
    assert len(mailoutbox) == 1


def test_dedup_key_queues_one_notice(db):
    assert queue(dedup_key="escalation:INC-000001:response") is not None
    assert queue(dedup_key="escalation:INC-000001:response") is None
    assert OutboundEmail.objects.count() == 1


def test_failed_send_backs_off_then_gives_up(settings):
    settings.EMAIL_BACKEND = "notifications.tests.failing_backend.FailingBackend"
    with time_machine.travel("2026-11-27 10:00Z", tick=False):
        email = queue()
        services.deliver(email.pk)
        email.refresh_from_db()
        assert email.status == OutboundEmail.Status.PENDING
        assert email.attempts == 1
        assert "SMTP down" in email.last_error
        assert services.deliver_due() == 0  # not due yet: waiting 1 minute
    for _ in range(OutboundEmail.MAX_ATTEMPTS - 1):
        email.refresh_from_db()
        with time_machine.travel(email.next_attempt_at, tick=False):
            services.deliver(email.pk)
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.FAILED
    assert email.attempts == OutboundEmail.MAX_ATTEMPTS


def test_user_who_opted_out_is_not_emailed(supplier_user, supplier_colleague):
    NotificationPreference.objects.create(user=supplier_colleague, topic="incident.updated",
                                          email=False)
    email = services.notify_users(users=[supplier_user, supplier_colleague],
                                  topic="incident.updated", subject="Updated",
                                  template="notifications/email/test_notice")
    assert email.to == [supplier_user.email]


def test_empty_recipient_list_queues_nothing(db):
    assert queue(to=[]) is None


def test_a_credential_is_wiped_after_delivery_and_hidden_in_the_console(client, operations_user,
                                                                         mailoutbox):
    email = queue(sensitive=True, context={"reference": "https://x/reset/abc-token/"})
    services.deliver(email.pk)
    assert "abc-token" in mailoutbox[0].body
    email.refresh_from_db()
    assert "abc-token" not in email.body_text
    client.force_login(operations_user)
    page = client.get(f"/admin/notifications/outboundemail/{email.pk}/change/").content.decode()
    assert "removed after delivery" not in page
    assert "Body text" not in page


def test_auditor_sees_a_delivered_ordinary_notice(client, auditor_user):
    email = queue()
    services.deliver(email.pk)
    client.force_login(auditor_user)
    page = client.get(f"/admin/notifications/outboundemail/{email.pk}/change/").content.decode()
    assert "This is a test notice" in page


# --- claim, send, record: no lock across the network, one Message-ID per notice ---------
def test_every_attempt_carries_the_rows_message_id(settings, mailoutbox):
    settings.EMAIL_BACKEND = "notifications.tests.failing_backend.FailingBackend"
    email = queue()
    assert email.message_id.startswith("<outbox.") and email.message_id.endswith(
        "@switching-sm.example>")
    services.deliver(email.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    email.refresh_from_db()
    with time_machine.travel(email.next_attempt_at, tick=False):
        assert services.deliver(email.pk)
    assert mailoutbox[0].extra_headers["Message-ID"] == email.message_id


def test_the_attempt_is_committed_before_the_mail_server_is_contacted(settings):
    settings.EMAIL_BACKEND = "notifications.tests.failing_backend.ObservingBackend"
    from notifications.tests import failing_backend

    email = queue()
    services.deliver(email.pk)
    seen = failing_backend.ObservingBackend.seen
    assert seen == [(OutboundEmail.Status.SENDING, 1)]  # what the row said while sending
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT and email.attempts == 1


def test_a_worker_that_died_mid_send_leaves_a_claim_the_sweep_retries_with_the_same_id(
        mailoutbox):
    email = queue()
    # A worker claimed it, the server accepted the message, the worker died before recording.
    claimed = services._claim(email.pk)
    assert claimed.status == OutboundEmail.Status.SENDING
    assert services.deliver_due() == 0  # the claim still stands: nobody else sends it
    with time_machine.travel(claimed.next_attempt_at, tick=False):
        assert services.deliver_due() == 1
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT and email.attempts == 2
    assert [m.extra_headers["Message-ID"] for m in mailoutbox] == [email.message_id]


def test_a_late_result_does_not_overwrite_a_newer_attempt(mailoutbox):
    email = queue()
    first = services._claim(email.pk)
    with time_machine.travel(first.next_attempt_at, tick=False):
        assert services.deliver(email.pk)  # the sweep took over the expired claim
    # The first worker wakes up and records a failure for its (stale) attempt: ignored.
    OutboundEmail.objects.filter(pk=email.pk, status=OutboundEmail.Status.SENDING,
                                 attempts=first.attempts).update(status="pending")
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT


def test_the_sweep_stops_when_its_time_budget_is_spent(mailoutbox):
    queue(), queue(subject="Second")
    assert services.deliver_due(budget_seconds=-1) == 0
    assert services.deliver_due() == 2
