"""API authentication by per-organisation tokens (`Authorization: Token <key>`)."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiToken

# Writing last_used_at on every call would make each request a write; a
# minute's resolution is enough for the access review.
LAST_USED_RESOLUTION = timedelta(minutes=1)


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
        token = (
            ApiToken.objects.select_related("acts_as", "organisation")
            .filter(prefix=parts[1]).first()
        )
        if token is None or not token.matches(raw_key):
            raise exceptions.AuthenticationFailed("Invalid API token.")
        if token.is_revoked:
            raise exceptions.AuthenticationFailed("This API token has been revoked.")
        if not token.organisation.is_active or not token.acts_as.has_access:
            raise exceptions.AuthenticationFailed("This API token's organisation is deactivated.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
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
