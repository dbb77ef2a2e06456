"""Queue notices in the outbox; deliver them."""

import logging

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
                sensitive=sensitive,
            )
    except IntegrityError:
        if dedup_key and OutboundEmail.objects.filter(dedup_key=dedup_key).exists():
            return None
        raise
    from .tasks import deliver_email

    enqueue_after_commit(deliver_email, email.pk, sweep=OUTBOX_SWEEP)
    return email


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


def deliver(email_id):
    """Send one outbox email if it is still pending; record the outcome.

    Locks the row so two workers (or a task and the sweep) never send it twice.
    """
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status != OutboundEmail.Status.PENDING:
            return False
        message = EmailMultiAlternatives(
            subject=email.subject, body=email.body_text, from_email=settings.DEFAULT_FROM_EMAIL,
            to=email.to, reply_to=[email.reply_to] if email.reply_to else None,
            headers=email.headers or None,
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        email.attempts += 1
        try:
            message.send()
        except Exception as exc:  # SMTP and network errors: try again later
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts >= OutboundEmail.MAX_ATTEMPTS:
                email.status = OutboundEmail.Status.FAILED
            else:
                email.next_attempt_at = timezone.now() + email.backoff()
            email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return False
        email.status = OutboundEmail.Status.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        fields = ["attempts", "status", "sent_at", "last_error"]
        if email.sensitive:
            email.body_text = email.body_html = "(removed after delivery: it held a credential)"
            fields += ["body_text", "body_html"]
        email.save(update_fields=fields)
        return True


def deliver_due(limit=500):
    """Deliver every due outbox email; return how many were sent."""
    sent = 0
    for email_id in OutboundEmail.objects.due().order_by("next_attempt_at").values_list(
        "pk", flat=True
    )[:limit]:
        sent += deliver(email_id)
    return sent
