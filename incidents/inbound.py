"""Inbound email: new mails become incidents, replies with [INC-nnnnnn] become updates.

Reads a Maildir (INBOUND_MAILDIR, default var/inbound-mail), which any MTA or
fetchmail/getmail (IMAP, POP3) can deliver into, so the system needs no mail
credentials of its own. Each mail is recorded once (InboundEmail.message_id is
unique) and then moved to the Maildir's `.processed` folder: a crash between the
two only means the next run moves it without processing it again. Mail from an
unknown sender, or about an incident the sender may not see, is held for the
desk (HeldEmail), never dropped.
"""

import email
import email.policy
import hashlib
import logging
import mailbox
import os
import re
from email.utils import parseaddr
from pathlib import Path

import nh3
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts import audit, policy
from accounts.models import User
from kernel.attachments import AttachmentRejected

from . import services
from .errors import IncidentError
from .models import Channel, HeldEmail, InboundEmail, Incident

logger = logging.getLogger(__name__)
REFERENCE = re.compile(r"\bINC-(\d{6,})\b", re.IGNORECASE)
# Mail carries no severity; the desk confirms or changes it when triaging.
EMAIL_SEVERITY = 3
MAX_BODY = 20000


def maildir_path():
    return Path(os.environ.get("INBOUND_MAILDIR") or Path(settings.VAR_DIR) / "inbound-mail")


def process_maildir(path=None):
    """Process every new mail in the Maildir; return {outcome: count}."""
    box = mailbox.Maildir(str(path or maildir_path()), create=True)
    done = box.get_folder("processed") if "processed" in box.list_folders() \
        else box.add_folder("processed")
    counts = {}
    for key in list(box.iterkeys()):
        raw = box.get_bytes(key)
        try:
            outcome = handle_message(raw)
        except Exception:  # one bad mail must not stop the rest; it stays for the next run
            logger.exception("Could not process inbound mail %s", key)
            continue
        counts[outcome] = counts.get(outcome, 0) + 1
        done.add(raw)
        box.remove(key)
    return counts


def _body(message):
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part.get_content()
    if part.get_content_type() == "text/html":
        text = nh3.clean(text, tags=set())
    return text.strip()[:MAX_BODY]


def _attachments(message):
    for part in message.iter_attachments():
        name = part.get_filename()
        payload = part.get_payload(decode=True)
        if name and payload:
            yield ContentFile(payload, name=os.path.basename(name))


@transaction.atomic
def handle_message(raw):
    """Turn one raw mail into an incident, an update or a held mail; return the outcome
    ('duplicate' if this message was processed before)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = (str(message.get("Message-ID") or "").strip()
                  or "sha256:" + hashlib.sha256(raw).hexdigest())[:300]
    if InboundEmail.objects.filter(message_id=message_id).exists():
        return "duplicate"
    sender = parseaddr(str(message.get("From") or ""))[1].lower()
    subject = str(message.get("Subject") or "").strip()[:300]
    body = _body(message)
    record = InboundEmail(message_id=message_id, sender=sender[:254], subject=subject)
    user = User.objects.filter(email__iexact=sender, is_active=True, is_system_account=False) \
        .select_related("organisation").first() if sender else None

    def hold(why):
        record.outcome = InboundEmail.Outcome.HELD
        record.save()
        HeldEmail.objects.create(inbound=record, sender=sender[:254], subject=subject,
                                 body=body, why=why)
        return record.outcome

    if user is None:
        return hold("Unknown sender")
    match = REFERENCE.search(subject)
    with audit.acting(actor=user, channel=audit.Channel.EMAIL):
        try:
            if match:
                reference = f"INC-{match.group(1)}"
                incident = Incident.objects.visible_to(user).filter(reference=reference).first()
                if incident is None:
                    return hold(f"{reference} does not exist or the sender may not see it")
                services.add_comment(incident=incident, author=user, body=body or subject,
                                     via=Channel.EMAIL)
                record.outcome = InboundEmail.Outcome.UPDATED
            else:
                if not policy.may_raise_incident(user):
                    return hold("The sender may not raise incidents")
                incident = services.raise_incident(
                    organisation=user.organisation, raised_by=user,
                    title=subject or "(no subject)", description=body or subject or "(empty)",
                    services=[], severity=EMAIL_SEVERITY, channel=Channel.EMAIL)
                record.outcome = InboundEmail.Outcome.CREATED
            for upload in _attachments(message):
                try:
                    services.add_attachment(incident=incident, by=user, upload=upload)
                except (IncidentError, AttachmentRejected) as exc:
                    logger.info("Skipped attachment %s on %s: %s", upload.name,
                                incident.reference, exc)
        except IncidentError as exc:
            return hold(str(exc)[:200])
    record.incident = incident
    record.save()
    return record.outcome


@transaction.atomic
def mark_handled(*, held, by):
    """Record that the desk has dealt with a held mail (by hand, outside the system)."""
    if not policy.may_work_incident(by):
        raise PermissionDenied("Only the desk handles held mail.")
    held = HeldEmail.objects.select_for_update().get(pk=held.pk)
    if held.handled_at is None:
        held.handled_by, held.handled_at = by, timezone.now()
        held.save(update_fields=["handled_by", "handled_at"])
    return held
