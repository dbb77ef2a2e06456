"""Account lifecycle used by every path that creates, unlocks or revokes a person.

The request process (servicerequests.access) and Switching Operations' console
both come here, so an account is created, deactivated or unlocked one way.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from . import policy, security
from .models import ROLE_FOR_ORGANISATION_KIND, LoginAttempt, TotpDevice, User


def set_password_link(user):
    """Return an absolute one-time link where `user` chooses a password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("portal:password_reset_confirm",
                                       kwargs={"uidb64": uid, "token": token})


@transaction.atomic
def create_portal_user(*, organisation, email, first_name="", last_name="", phone="",
                       is_org_admin=False):
    """Create a person of `organisation` with no usable password; return the user.

    The role follows the organisation's kind. The caller sends the
    set-password link (see set_password_link) through the outbox.
    """
    user = User(username=email.strip().lower()[:150], email=email.strip(),
                first_name=first_name, last_name=last_name, phone=str(phone or "")[:40],
                organisation=organisation, role=ROLE_FOR_ORGANISATION_KIND[organisation.kind],
                is_org_admin=bool(is_org_admin))
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


def deactivate_user(*, user):
    """Deactivate `user`: sign-in, sessions' row visibility and API access stop at once."""
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])


def clear_lockout(*, username):
    """Forget the recent failed sign-ins that lock `username`; return how many."""
    since = timezone.now() - security.LOCKOUT_PERIOD
    cleared, _ = LoginAttempt.objects.filter(username__iexact=username, succeeded=False,
                                             at__gte=since).delete()
    return cleared


@transaction.atomic
def issue_api_token(*, token, by):
    """Give the unsaved `token` (organisation and name set) a new key and store it; return the
    raw key, shown once (only its hash is kept). Switching Operations only."""
    if not policy.may_manage_api_tokens(by):
        raise PermissionDenied("Only Switching Operations issue API tokens.")
    token.created_by = by
    raw_key = token.assign_new_key()
    token.save()
    return raw_key


@transaction.atomic
def revoke_api_tokens(*, tokens, by):
    """Revoke every token of `tokens` not yet revoked; return how many were."""
    if not policy.may_manage_api_tokens(by):
        raise PermissionDenied("Only Switching Operations may revoke tokens.")
    revoked = 0
    for token in tokens.filter(revoked_at__isnull=True):
        token.revoke(by=by)
        revoked += 1
    return revoked


@transaction.atomic
def reset_two_factor(*, users, by):
    """Remove the second factor of `users` (each sets one up again); return how many had one."""
    if not policy.may_manage_reference_data(by):
        raise PermissionDenied("Only Switching Operations may reset a second factor.")
    deleted, _ = TotpDevice.objects.filter(user__in=users).delete()
    return deleted
