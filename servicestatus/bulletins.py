"""Publishing bulletins and tracking who has read or acknowledged them."""

import re

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.models import User
from incidents.models import Incident

from . import cache as status_cache
from .models import Bulletin, BulletinAcknowledgement
from .notify import bulletin_published


class BulletinError(Exception):
    """A bulletin action the rules do not allow; the message is shown to the user."""


INCIDENT_REFERENCE = re.compile(r"\bINC-\d{6}\b")


def _refuse_unreleased_security_incidents(*texts):
    """A bulletin never names a security incident the desk has not released (s.9.4)."""
    cited = set(INCIDENT_REFERENCE.findall(" ".join(texts)))
    if not cited:
        return
    withheld = sorted(Incident.objects.security().filter(reference__in=cited)
                      .exclude(pk__in=Incident.objects.public()).values_list("reference", flat=True))
    if withheld:
        raise BulletinError(f"{', '.join(withheld)} is a security incident not released to "
                            "bulletins; release it first or leave it out.")


@transaction.atomic
def publish_bulletin(*, by, kind, title, body, audience, market_role="", services=(),
                     requires_acknowledgement=False, expires_at=None):
    """Create and publish a bulletin now; email and webhook its audience's subscribers."""
    if not policy.may_publish_bulletin(by):
        raise PermissionDenied("Only the desk and Switching Operations publish bulletins.")
    _refuse_unreleased_security_incidents(title, body)
    bulletin = Bulletin(
        kind=kind, title=title, body=body, audience=audience, market_role=market_role,
        requires_acknowledgement=requires_acknowledgement, expires_at=expires_at,
        created_by=by, status=Bulletin.State.PUBLISHED, published_at=timezone.now(),
    )
    bulletin.full_clean()
    bulletin.save()
    bulletin.services.set(services)
    bulletin_published(bulletin)
    status_cache.invalidate_on_commit()
    return bulletin


@transaction.atomic
def withdraw_bulletin(*, bulletin, by):
    if not policy.may_publish_bulletin(by):
        raise PermissionDenied("Only the desk and Switching Operations withdraw bulletins.")
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.status != Bulletin.State.PUBLISHED:
        raise BulletinError("Only a published bulletin can be withdrawn.")
    bulletin.status = Bulletin.State.WITHDRAWN
    bulletin.save(update_fields=["status"])
    status_cache.invalidate_on_commit()
    return bulletin


@transaction.atomic
def record_receipt(*, bulletin, user, acknowledge=False):
    """Record that `user` read (and optionally acknowledged) `bulletin`; return the receipt."""
    if not bulletin.reaches(user) or not bulletin.is_live:
        raise PermissionDenied("This bulletin is not addressed to you.")
    if acknowledge and not bulletin.requires_acknowledgement:
        raise BulletinError("This bulletin does not ask for acknowledgement.")
    now = timezone.now()
    receipt, _ = BulletinAcknowledgement.objects.select_for_update().get_or_create(
        bulletin=bulletin, user=user, defaults={"read_at": now}
    )
    if acknowledge and receipt.acknowledged_at is None:
        receipt.acknowledged_at = now
        receipt.save(update_fields=["acknowledged_at"])
    return receipt


def acknowledgement_report(bulletin):
    """Return (acknowledged receipts, people it reaches who have not acknowledged)."""
    receipts = list(bulletin.receipts.select_related("user", "user__organisation")
                    .order_by("user__organisation__name", "user__username"))
    done = {r.user_id for r in receipts if r.acknowledged_at}
    people = (User.objects.people().filter(is_active=True).select_related("organisation")
              .order_by("organisation__name", "username"))
    outstanding = [u for u in people if u.pk not in done and bulletin.reaches(u)]
    return [r for r in receipts if r.acknowledged_at], outstanding

