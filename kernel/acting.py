"""Who is acting, and through which channel: the context every recorded change reads.

The request middleware (accounts.audit.AuditContextMiddleware) remembers the
current request; tasks and commands wrap their work in `acting(...)`. The audit
trail and every transition record read `current_context()`, so a change made
in the console says "admin", one made by the API says "api", one made by the
beat sweep says "system", without each caller passing the channel along.
"""

import contextvars
from contextlib import contextmanager

from django.db import models

_request = contextvars.ContextVar("acting_request", default=None)
_override = contextvars.ContextVar("acting_override", default=None)


class Channel(models.TextChoices):
    PORTAL = "portal", "Portal"  # the participants' and providers' web pages
    ADMIN = "admin", "Admin console"  # the desk's and Operations' console (/admin/)
    API = "api", "API"  # a provider's system or the portal's own scripts (/api/)
    SYSTEM = "system", "System"  # beat sweeps, tasks and commands acting on their own
    EMAIL = "email", "Email"  # inbound mail read by the desk's mailbox


def channel_for_path(path):
    """Return the channel a request path arrives through."""
    if path.startswith("/admin/"):
        return Channel.ADMIN
    if path.startswith("/api/"):
        return Channel.API
    return Channel.PORTAL


@contextmanager
def request_context(request):
    """Remember `request` as the work in progress while the block runs (the middleware)."""
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


@contextmanager
def acting(*, actor=None, channel=Channel.SYSTEM):
    """Attribute the changes made inside the block to `actor` via `channel` (tasks, commands)."""
    token = _override.set({"actor": actor, "channel": channel})
    try:
        yield
    finally:
        _override.reset(token)


def current_context():
    """Return (actor, channel, remote_addr) for the work in progress."""
    override = _override.get()
    if override is not None:
        return override["actor"], override["channel"], None
    request = _request.get()
    if request is None:
        return None, Channel.SYSTEM, None
    # DRF copies the authenticated user (token or session) onto the Django request.
    user = getattr(request, "user", None)
    actor = user if user is not None and user.is_authenticated else None
    return actor, channel_for_path(request.path), request.META.get("REMOTE_ADDR")


def current_channel():
    """Return the channel of the work in progress (the default of every transition record)."""
    return str(current_context()[1])
