"""API authentication by per-organisation tokens (`Authorization: Token <key>`).

A provider's monitoring posts events many times a second with one token, so each process
keeps the token it looked up (with its organisation and system account) for at most
`TOKEN_CACHE_SECONDS`: revoking a token, deactivating its organisation or its account
takes effect on every process within that time. The key's hash is checked on every
request, cached or not, and each request gets its own copy of the cached rows.
"""

import threading
import time
from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from kernel.instances import copy_instance

from .models import ApiToken

# Writing last_used_at on every call would make each request a write; a
# minute's resolution is enough for the access review.
LAST_USED_RESOLUTION = timedelta(minutes=1)
TOKEN_CACHE_SECONDS = 1.0
_tokens = {}  # prefix -> (looked up at, ApiToken or None)
_tokens_lock = threading.Lock()
_clock = time.monotonic


def _lookup(prefix):
    """Return the token with `prefix` (and its organisation and account), or None."""
    now = _clock()
    cached = _tokens.get(prefix)
    if cached is not None and now - cached[0] < TOKEN_CACHE_SECONDS:
        token = cached[1]
    else:
        token = (ApiToken.objects.select_related("acts_as__organisation", "organisation")
                 .filter(prefix=prefix).first())
        with _tokens_lock:
            if len(_tokens) > 10_000:  # unknown prefixes must not grow the dict forever
                _tokens.clear()
            _tokens[prefix] = (now, token)
    if token is None:
        return None
    token = copy_instance(token)
    token.acts_as = copy_instance(token.acts_as)
    return token


def forget_cached_tokens():
    """Drop this process's cached tokens (tests, and a revocation in this process)."""
    with _tokens_lock:
        _tokens.clear()


def forget_cached_tokens_on_save(sender, **kwargs):
    forget_cached_tokens()


class OrganisationTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header: use 'Authorization: Token <key>'."
            )
        raw_key = header[1].decode(errors="replace")
        parts = raw_key.split("_", 2)
        if len(parts) != 3 or parts[0] != "ssm":
            raise exceptions.AuthenticationFailed("Invalid API token.")
        token = _lookup(parts[1])
        if token is None or not token.matches(raw_key):
            raise exceptions.AuthenticationFailed("Invalid API token.")
        if token.is_revoked:
            raise exceptions.AuthenticationFailed("This API token has been revoked.")
        if not token.organisation.is_active or not token.acts_as.has_access:
            raise exceptions.AuthenticationFailed("This API token's organisation is deactivated.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            with _tokens_lock:  # the cached copy would ask again on every call otherwise
                if parts[1] in _tokens and _tokens[parts[1]][1] is not None:
                    _tokens[parts[1]][1].last_used_at = now
        return token.acts_as, token

    def authenticate_header(self, request):
        return 'Token realm="api"'


class OrganisationTokenScheme(OpenApiAuthenticationExtension):
    target_class = OrganisationTokenAuthentication
    name = "organisationToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Per-organisation API token: `Token ssm_xxxxxxxx_...`. "
            "Issued and revoked by Switching Operations in the admin console.",
        }
