"""Parties (organisations) and people (users) of the switching arrangements."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .models_audit import AuditEntry
from .models_security import AccessReview, LoginAttempt, RecoveryCode, TotpDevice
from .policy import VisibleQuerySet
from .roles import Role

# Django registers the audit and security models through these imports; Role is the field's.
__all__ = ["AccessReview", "ApiToken", "AuditEntry", "LoginAttempt", "Organisation", "Role",
           "RecoveryCode", "TotpDevice", "User"]


class OrganisationQuerySet(VisibleQuerySet):
    def market_participants(self):
        return self.filter(kind=Organisation.Kind.MARKET_PARTICIPANT)

    def providers(self):
        return self.filter(kind=Organisation.Kind.CDS_PROVIDER)

    def resolver_groups(self):
        """Return organisations work can be handed to: the desk, Operations, CDS providers."""
        return self.exclude(kind=Organisation.Kind.MARKET_PARTICIPANT)


class Organisation(models.Model):
    class Kind(models.TextChoices):
        MARKET_PARTICIPANT = "market_participant", "Market Participant"  # raises incidents, requests
        CDS_PROVIDER = "cds_provider", "CDS Provider"  # runs a central data service, resolves
        SWITCHING_OPERATIONS = "switching_operations", "Switching Operations"  # escalation, reports
        SERVICE_DESK = "service_desk", "Switching Service Desk"  # 1st line, 24x7

    class MarketRole(models.TextChoices):
        ENERGY_SUPPLIER = "energy_supplier", "Energy Supplier"
        GAS_SHIPPER = "gas_shipper", "Gas Shipper"
        SUPPLIER_AGENT = "supplier_agent", "Supplier Agent"
        TPI = "tpi", "Third Party Intermediary"
        CUSTOMER_ENQUIRY_SERVICE = "ces", "Customer Enquiry Service"

    name = models.CharField(max_length=200, unique=True)
    short_code = models.SlugField(max_length=40, unique=True, help_text="Used in references and URLs.")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    market_role = models.CharField(
        max_length=32, choices=MarketRole.choices, blank=True,
        help_text="Market Participants only.",
    )
    contact_email = models.EmailField(blank=True, help_text="Where hand-offs and notices are sent.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind == self.Kind.MARKET_PARTICIPANT and not self.market_role:
            raise ValidationError({"market_role": "A Market Participant needs its market role."})
        if self.kind != self.Kind.MARKET_PARTICIPANT and self.market_role:
            raise ValidationError({"market_role": "Only Market Participants have a market role."})

    @property
    def is_internal(self):
        """Return True for the Service Desk and Switching Operations."""
        return self.kind in (self.Kind.SERVICE_DESK, self.Kind.SWITCHING_OPERATIONS)


# Which organisation kinds each role may belong to.
ROLE_ORGANISATION_KINDS = {
    Role.MARKET_PARTICIPANT: {Organisation.Kind.MARKET_PARTICIPANT},
    Role.SERVICE_DESK: {Organisation.Kind.SERVICE_DESK},
    Role.SWITCHING_OPERATIONS: {Organisation.Kind.SWITCHING_OPERATIONS},
    Role.CDS_PROVIDER: {Organisation.Kind.CDS_PROVIDER},
    Role.AUDITOR: {Organisation.Kind.SWITCHING_OPERATIONS, Organisation.Kind.SERVICE_DESK},
}
ROLE_FOR_ORGANISATION_KIND = {
    Organisation.Kind.MARKET_PARTICIPANT: Role.MARKET_PARTICIPANT,
    Organisation.Kind.SERVICE_DESK: Role.SERVICE_DESK,
    Organisation.Kind.SWITCHING_OPERATIONS: Role.SWITCHING_OPERATIONS,
    Organisation.Kind.CDS_PROVIDER: Role.CDS_PROVIDER,
}
CONSOLE_ROLES = {Role.SERVICE_DESK, Role.SWITCHING_OPERATIONS, Role.AUDITOR}


class UserQuerySet(VisibleQuerySet):
    def people(self):
        """Return human users, not the system accounts behind API tokens."""
        return self.filter(is_system_account=False)

    def incident_managers(self):
        """Return the people an incident may be given to or a major incident managed by:
        active Service Desk agents and Switching Operations staff."""
        return self.people().filter(role__in=[Role.SERVICE_DESK, Role.SWITCHING_OPERATIONS],
                                    is_active=True)


class SwitchingUserManager(UserManager.from_queryset(UserQuerySet)):
    def system_account_for(self, organisation):
        """Return (creating once) the account that an organisation's API tokens act as."""
        username = f"api@{organisation.short_code}"
        user, _ = self.get_or_create(
            username=username,
            defaults={
                "organisation": organisation,
                "role": ROLE_FOR_ORGANISATION_KIND[organisation.kind],
                "is_system_account": True,
                "first_name": organisation.name,
                "last_name": "(API)",
            },
        )
        return user


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="users", null=True, blank=True,
        help_text="Every person belongs to one organisation (superusers may have none).",
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MARKET_PARTICIPANT)
    is_org_admin = models.BooleanField(
        "organisation administrator", default=False,
        help_text="May manage its organisation's users and confirm access reviews.",
    )
    is_system_account = models.BooleanField(
        default=False, help_text="The account an organisation's API tokens act as; cannot log in.",
    )
    is_security_contact = models.BooleanField(
        # db_default: rows written by code that predates the field (migration tests) get False.
        "security contact", default=False, db_default=False,
        help_text="Sees and is told about its organisation's information security incidents.",
    )
    phone = models.CharField(max_length=40, blank=True)

    objects = SwitchingUserManager()

    class Meta:
        ordering = ["username"]

    def clean(self):
        super().clean()
        if self.organisation_id is None:
            if not self.is_superuser:
                raise ValidationError({"organisation": "Every user belongs to an organisation."})
            return
        allowed = ROLE_ORGANISATION_KINDS[self.role]
        if self.organisation.kind not in allowed:
            raise ValidationError({
                "role": f"A {self.get_role_display()} cannot belong to a "
                        f"{self.organisation.get_kind_display()} organisation."
            })

    def save(self, *args, **kwargs):
        # Console access follows the role; Django admin's login form reads is_staff.
        self.is_staff = self.is_superuser or self.role in CONSOLE_ROLES
        if self.is_system_account:
            self.set_unusable_password()
        super().save(*args, **kwargs)

    @property
    def display_name(self):
        return self.get_full_name() or self.username

    @property
    def has_access(self):
        """Return True if the account may use the system at all: it is active, and so is its
        organisation (superusers may have none).

        Checked on every request (accounts.backends for sessions, accounts.api_auth for
        tokens, accounts.policy for every rule), not only at sign-in, so deactivating a person
        or their whole organisation stops their sessions and tokens at once.
        """
        return self.is_active and (self.organisation_id is None or self.organisation.is_active)


class ApiTokenQuerySet(VisibleQuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A per-organisation API credential for a provider's (or participant's) system.

    Only a SHA-256 hash of the secret is stored; the raw key is shown once,
    when the token is issued. Keys look like `ssm_<prefix>_<secret>`: the
    prefix finds the row, the hash is compared in constant time.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What system uses it, e.g. 'UK Link monitoring'.")
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    acts_as = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", editable=False,
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.organisation.short_code}: {self.name} ({self.prefix}…)"

    @staticmethod
    def hash_secret(raw_key):
        return hashlib.sha256(raw_key.encode()).hexdigest()

    def assign_new_key(self):
        """Give this (unsaved) token a fresh key; return the raw key, which is not kept."""
        self.prefix = secrets.token_hex(4)
        raw_key = f"ssm_{self.prefix}_{secrets.token_urlsafe(32)}"
        self.key_hash = self.hash_secret(raw_key)
        self.acts_as = User.objects.system_account_for(self.organisation)
        return raw_key

    @classmethod
    def issue(cls, *, organisation, name, by=None):
        """Create a token for `organisation`; return (token, raw_key)."""
        token = cls(organisation=organisation, name=name, created_by=by)
        raw_key = token.assign_new_key()
        token.save()
        return token, raw_key

    def matches(self, raw_key):
        return hmac.compare_digest(self.key_hash, self.hash_secret(raw_key))

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    def revoke(self, *, by):
        """Revoke the token now; later requests with it get 401."""
        if self.is_revoked:
            return
        self.revoked_at = timezone.now()
        self.revoked_by = by
        self.save(update_fields=["revoked_at", "revoked_by"])
