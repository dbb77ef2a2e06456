"""Queue notices in the outbox; deliver them."""

import logging
import time
import uuid
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from kernel.after_commit import enqueue_after_commit

from .models import NotificationPreference, OutboundEmail

logger = logging.getLogger(__name__)

OUTBOX_SWEEP = "the outbox sweep (every minute)"


def queue_email(*, to, subject, template, context=None, topic="", dedup_key=None,
                reply_to="", headers=None, sensitive=False):
    """Write an email to the outbox in the current transaction; deliver after commit.

    `template` names a pair `<template>.txt` (required) and `<template>.html`
    (optional). Return the OutboundEmail, or None if `to` is empty or a notice
    with `dedup_key` was already queued.
    """
    recipients = sorted({address for address in to if address})
    if not recipients:
        return None
    context = {"site_url": settings.SITE_URL, **(context or {})}
    body_text = render_to_string(f"{template}.txt", context)
    try:
        body_html = render_to_string(f"{template}.html", context)
    except Exception as exc:  # TemplateDoesNotExist: text-only notice
        if type(exc).__name__ != "TemplateDoesNotExist":
            raise
        body_html = ""
    try:
        with transaction.atomic():
            email = OutboundEmail.objects.create(
                to=recipients, subject=subject[:300], body_text=body_text, body_html=body_html,
                topic=topic, dedup_key=dedup_key, reply_to=reply_to, headers=headers or {},
                sensitive=sensitive, message_id=new_message_id(),
            )
    except IntegrityError:
        if dedup_key and OutboundEmail.objects.filter(dedup_key=dedup_key).exists():
            return None
        raise
    enqueue_after_commit("notifications.tasks.deliver_email", email.pk, sweep=OUTBOX_SWEEP)
    return email


def set_preference(*, user, topic, email):
    """Record whether `user` wants email about `topic`; return the preference."""
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, topic=topic, defaults={"email": email})
    return preference


def wants_email(user, topic):
    """Return True unless `user` opted out of `topic` (or has no address)."""
    if not user.email or not user.is_active or user.is_system_account:
        return False
    pref = NotificationPreference.objects.filter(user=user, topic=topic).first()
    return pref.email if pref else True


def notify_users(*, users, topic, subject, template, context=None, dedup_key=None):
    """Queue one email to those of `users` who want `topic`."""
    addresses = [u.email for u in users if wants_email(u, topic)]
    return queue_email(to=addresses, subject=subject, template=template, context=context,
                       topic=topic, dedup_key=dedup_key)


def new_message_id():
    """Return a Message-ID for a new outbox row, in the sender's domain."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "switching-sm.local"
    return f"<outbox.{uuid.uuid4().hex}@{domain}>"


def send_lease():
    """Return how long a claim on an email lasts: longer than a slow SMTP conversation."""
    return timedelta(seconds=getattr(settings, "NOTIFICATIONS_SEND_LEASE_SECONDS", 300))


def _claim(email_id):
    """Record an attempt on one due email and commit it; return the email, or None.

    Committed before the mail server is contacted: no row lock is held while it
    answers, a task and the sweep never send the same email at the same time, and
    an attempt that dies half-way is visible (status sending, attempts counted).
    """
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().due().filter(pk=email_id).first()
        if email is None:
            return None  # sent, failed, not due yet, or claimed by another worker
        email.message_id = email.message_id or new_message_id()
        email.status = OutboundEmail.Status.SENDING
        email.attempts += 1
        email.next_attempt_at = timezone.now() + send_lease()
        email.save(update_fields=["message_id", "status", "attempts", "next_attempt_at"])
    return email


def _message(email):
    headers = {**(email.headers or {}), "Message-ID": email.message_id}
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.body_text, from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to, reply_to=[email.reply_to] if email.reply_to else None, headers=headers,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def deliver(email_id):
    """Send one due outbox email: claim it, send it, then record the outcome. Return True if sent.

    The send happens outside any transaction (EMAIL_TIMEOUT bounds each SMTP step). The
    outcome is recorded only while this attempt's claim stands (same attempt number),
    so a claim that expired and was taken over is not overwritten.
    """
    email = _claim(email_id)
    if email is None:
        return False
    ours = OutboundEmail.objects.filter(pk=email.pk, status=OutboundEmail.Status.SENDING,
                                        attempts=email.attempts)
    try:
        _message(email).send()
    except Exception as exc:  # SMTP, network and timeout errors: try again later
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if email.attempts >= OutboundEmail.MAX_ATTEMPTS:
            ours.update(status=OutboundEmail.Status.FAILED, last_error=error)
        else:
            ours.update(status=OutboundEmail.Status.PENDING, last_error=error,
                        next_attempt_at=timezone.now() + email.backoff())
        logger.warning("Outbound email %s attempt %s failed: %s", email.pk, email.attempts, error)
        return False
    done = {"status": OutboundEmail.Status.SENT, "sent_at": timezone.now(), "last_error": ""}
    if email.sensitive:
        done["body_text"] = done["body_html"] = "(removed after delivery: it held a credential)"
    ours.update(**done)
    return True


def deliver_due(limit=500, *, budget_seconds=60):
    """Deliver due outbox emails for up to `budget_seconds`; return how many were sent.

    The budget keeps one sweep inside its task's time limit when the mail server is
    slow or hanging (each attempt may take EMAIL_TIMEOUT); the next sweep goes on.
    """
    deadline = time.monotonic() + budget_seconds
    sent = 0
    for email_id in OutboundEmail.objects.due().order_by("next_attempt_at").values_list(
        "pk", flat=True
    )[:limit]:
        if time.monotonic() > deadline:
            break
        sent += deliver(email_id)
    return sent
