"""What fulfilling an access request does to accounts (strategy s.7.21, s.9.7).

- "New portal user": creates the person in the requesting organisation with no
  usable password and emails a set-password link (Django's password reset
  token), so the account works only once the person chooses a password.
  Besides Switching Operations in the console, this is the only way a
  participant account comes to exist.
- "Revoke a user": deactivates the named user of the same organisation.
- "Password reset / unlock": forgets the user's recent failed sign-ins (the
  lockout in accounts.security counts those) and emails a reset link.

Each effect checks its answers twice: when the request is raised (so the
requester sees a field error at once) and again when it is fulfilled (the
world may have changed while it waited for approval).
"""

from accounts import services as accounts
from accounts.models import Organisation, User
from notifications.services import queue_email

from .errors import InvalidTransition
from .models import AccessEffect

UNKNOWN_USER = "No active user of your organisation has this username."


def _same_org_user(organisation, username, *, active=True):
    users = User.objects.people().filter(organisation=organisation,
                                         username__iexact=(username or "").strip())
    if active:
        users = users.filter(is_active=True)
    return users.first()


def check(*, item, answers, organisation):
    """Return {field key: [messages]} for answers the item's effect cannot act on."""
    effect = item.effect
    if effect == AccessEffect.NEW_USER:
        email = (answers.get("email") or "").strip()
        if organisation.kind not in (Organisation.Kind.MARKET_PARTICIPANT,
                                     Organisation.Kind.CDS_PROVIDER):
            return {"email": ["Internal accounts are created by Switching Operations."]}
        taken = User.objects.filter(email__iexact=email).exists() or \
            User.objects.filter(username__iexact=email).exists()
        if email and taken:
            return {"email": ["A portal user with this email address already exists."]}
    elif effect == AccessEffect.REVOKE_USER:
        if _same_org_user(organisation, answers.get("username")) is None:
            return {"username": [UNKNOWN_USER]}
    elif effect == AccessEffect.UNLOCK_USER:
        if _same_org_user(organisation, answers.get("username")) is None:
            return {"username": [UNKNOWN_USER]}
    return {}


def _password_link_email(*, user, request, template, subject):
    # sensitive: the link is a credential, so its body is wiped once delivered and never
    # shown in the console.
    queue_email(to=[user.email], subject=subject, template=template,
                context={"user": user, "link": accounts.set_password_link(user),
                         "request": request},
                topic="access.account", sensitive=True,
                dedup_key=f"{request.reference}-{template.rsplit('/', 1)[-1]}")


def _create_user(request):
    a = request.answers
    email = a["email"].strip()
    user = accounts.create_portal_user(
        organisation=request.organisation, email=email, first_name=a.get("first_name", ""),
        last_name=a.get("last_name", ""), phone=a.get("phone") or "",
        is_org_admin=a.get("org_admin"))
    _password_link_email(user=user, request=request, template="servicerequests/email/set_password",
                         subject="Your Switching SM account: choose a password")
    return f"Portal user {user.username} created; a set-password email was sent to {email}."


def _revoke_user(request, by):
    user = _same_org_user(request.organisation, request.answers.get("username"))
    if user == by:
        raise InvalidTransition("You cannot revoke your own account through a request.")
    accounts.deactivate_user(user=user)
    return f"User {user.username} deactivated."


def _unlock_user(request):
    user = _same_org_user(request.organisation, request.answers.get("username"))
    cleared = accounts.clear_lockout(username=user.username)
    _password_link_email(user=user, request=request, template="servicerequests/email/reset",
                         subject="Reset your Switching SM password")
    return (f"Lockout cleared for {user.username} ({cleared} failed sign-ins forgotten); "
            "a password reset email was sent.")


def apply(*, request, by):
    """Carry out the item's effect for an approved request; return what was done, or ""."""
    effect = request.item.effect
    if not effect:
        return ""
    if request.item.needs_approval and request.approval.decision != "approved":
        raise InvalidTransition(f"{request.reference} has not been approved.")
    problems = check(item=request.item, answers=request.answers,
                     organisation=request.organisation)
    if problems:
        message = "; ".join(m for messages in problems.values() for m in messages)
        raise InvalidTransition(f"{request.reference} cannot be fulfilled: {message}")
    if effect == AccessEffect.NEW_USER:
        return _create_user(request)
    if effect == AccessEffect.REVOKE_USER:
        return _revoke_user(request, by)
    return _unlock_user(request)
