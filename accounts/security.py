"""Access management: lockout after failed sign-ins, TOTP second factor, access reviews."""

import hashlib
import secrets
from datetime import timedelta

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import policy
from .models import AccessReview, LoginAttempt, RecoveryCode, TotpDevice, User

LOCKOUT_ATTEMPTS = getattr(settings, "LOGIN_LOCKOUT_ATTEMPTS", 5)
LOCKOUT_PERIOD = timedelta(minutes=getattr(settings, "LOGIN_LOCKOUT_MINUTES", 15))
TOTP_ISSUER = "Switching SM"


# --- lockout ------------------------------------------------------------------
def locked_until(username, now=None):
    """Return when `username` may try again, or None if not locked.

    Locked when the last LOCKOUT_ATTEMPTS attempts within LOCKOUT_PERIOD all
    failed; the lock lifts LOCKOUT_PERIOD after the last failure. Refused
    attempts during a lock are not recorded, so an attacker cannot keep a
    person locked out forever by hammering the form.
    """
    now = now or timezone.now()
    recent = list(
        LoginAttempt.objects.filter(username=username, at__gte=now - LOCKOUT_PERIOD)
        .order_by("-at").values_list("succeeded", "at")[:LOCKOUT_ATTEMPTS]
    )
    if len(recent) < LOCKOUT_ATTEMPTS or any(succeeded for succeeded, _ in recent):
        return None
    return recent[0][1] + LOCKOUT_PERIOD


def record_attempt(*, username, remote_addr, succeeded):
    LoginAttempt.objects.create(username=username[:150], remote_addr=remote_addr,
                                succeeded=succeeded)


# --- second factor ----------------------------------------------------------------
def has_two_factor(user):
    device = getattr(user, "totp_device", None) if user.pk else None
    try:
        return device is not None and device.is_confirmed
    except TotpDevice.DoesNotExist:
        return False


def needs_second_factor(user):
    """Return True if signing in must go through a code: mandatory role, or enrolled."""
    return policy.must_use_two_factor(user) or has_two_factor(user)


def start_enrolment(user):
    """Return the user's unconfirmed device, with a fresh secret if none is pending."""
    device, _ = TotpDevice.objects.get_or_create(
        user=user, defaults={"secret": pyotp.random_base32()})
    return device


def provisioning_uri(device):
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.username,
                                                      issuer_name=TOTP_ISSUER)


def _accept_code(device, code, now=None):
    """Return True and remember the step if `code` is valid now (±1 step) and unused."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(device.secret)
    moment = (now or timezone.now()).timestamp()
    current = int(moment // totp.interval)
    for step in (current - 1, current, current + 1):
        if step > device.last_used_step and totp.at(step * totp.interval) == code:
            device.last_used_step = step
            device.save(update_fields=["last_used_step"])
            return True
    return False


@transaction.atomic
def confirm_enrolment(*, user, code):
    """Confirm the pending device with a first code; return True on success."""
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None or not _accept_code(device, code):
        return False
    if not device.is_confirmed:
        device.confirmed_at = timezone.now()
        device.save(update_fields=["confirmed_at"])
    return True


@transaction.atomic
def verify_code(*, user, code):
    """Return True if `code` is a valid, unused code from the user's confirmed device, or one
    of the user's unused recovery codes (which is then used up)."""
    device = TotpDevice.objects.select_for_update().filter(
        user=user, confirmed_at__isnull=False).first()
    if device is None:
        return False
    return _accept_code(device, code) or use_recovery_code(user=user, code=code)


RECOVERY_CODE_COUNT = 10
# No 0/O or 1/I/L: a code read from paper is typed right first time.
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def _recovery_hash(code):
    normalised = "".join(ch for ch in (code or "").lower() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


@transaction.atomic
def issue_recovery_codes(*, user):
    """Replace the user's recovery codes with a new set; return the codes (shown once)."""
    codes = ["-".join("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(5))
                      for _ in range(2)) for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=_recovery_hash(code)) for code in codes])
    return codes


@transaction.atomic
def use_recovery_code(*, user, code):
    """Return True and use up `code` if it is one of the user's unused recovery codes."""
    if len("".join(ch for ch in (code or "") if ch.isalnum())) != 10:
        return False
    found = RecoveryCode.objects.select_for_update().filter(
        user=user, code_hash=_recovery_hash(code), used_at__isnull=True).first()
    if found is None:
        return False
    found.used_at = timezone.now()
    found.save(update_fields=["used_at"])
    return True


def unused_recovery_codes(user):
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def qr_code_data_uri(device):
    """Return the setup address as a QR code (SVG data URI, allowed by the page's CSP)."""
    return segno.make(provisioning_uri(device), error="m").svg_data_uri(
        scale=5, border=2, dark="#0b0c0c")


def disable_two_factor(*, user):
    """Remove the user's authenticator; refused where 2FA is mandatory."""
    if policy.must_use_two_factor(user):
        raise PermissionError("Two-factor authentication is mandatory for your role.")
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()


# --- access review -------------------------------------------------------------------
def access_review_rows(organisation):
    """Return the organisation's people with role, last sign-in and whether 2FA is on."""
    users = (User.objects.people().filter(organisation=organisation)
             .select_related("totp_device").order_by("username"))
    rows = []
    for user in users:
        device = getattr(user, "totp_device", None)
        rows.append({
            "username": user.username,
            "name": user.display_name,
            "email": user.email,
            "role": user.get_role_display(),
            "is_org_admin": user.is_org_admin,
            "is_active": user.is_active,
            "last_login": user.last_login,
            "two_factor": bool(device and device.is_confirmed),
            "two_factor_required": policy.must_use_two_factor(user),
        })
    return rows


def access_review_summary(rows):
    active = [r for r in rows if r["is_active"]]
    return {
        "users": len(rows),
        "active": len(active),
        "two_factor_on": sum(r["two_factor"] for r in active),
        "never_signed_in": sum(r["last_login"] is None for r in active),
        "admins": sum(r["is_org_admin"] for r in active),
    }


@transaction.atomic
def confirm_access_review(*, organisation, by, comment=""):
    """Record that `by` confirmed the organisation's access list as it stands now."""
    if not policy.may_review_access(by, organisation.pk):
        raise PermissionError("Only the organisation's administrators may confirm its access review.")
    rows = access_review_rows(organisation)
    snapshot = [{**row, "last_login": row["last_login"].isoformat() if row["last_login"] else None}
                for row in rows]
    return AccessReview.objects.create(organisation=organisation, confirmed_by=by,
                                       snapshot=snapshot, comment=comment)
