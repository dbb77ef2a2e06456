"""The incident's status and the other choice sets its rows and SLA policies share."""

from django.db import models


class Status(models.TextChoices):
    NEW = "new", "New"  # raised, nobody has responded yet (response clock running)
    IN_PROGRESS = "in_progress", "In progress"  # responded to and being worked
    PENDING = "pending", "Pending"  # waiting on the participant or a provider (see pending_reason)
    RESOLVED = "resolved", "Resolved"  # fixed; awaiting the participant's confirmation
    CLOSED = "closed", "Closed"  # confirmed or closed automatically; final
    CANCELLED = "cancelled", "Cancelled"  # withdrawn or a duplicate; final


class PendingReason(models.TextChoices):
    AWAITING_PARTICIPANT = "awaiting_participant", "Awaiting participant"  # pauses SLA by default
    AWAITING_PROVIDER = "awaiting_provider", "Awaiting provider"  # clock keeps running by default


class Channel(models.TextChoices):
    PORTAL = "portal", "Portal"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    API = "api", "API"
    EVENT = "event", "Event"


class ResolutionCode(models.TextChoices):
    FIXED = "fixed", "Fixed"
    WORKAROUND = "workaround", "Workaround provided"
    NO_FAULT = "no_fault", "No fault found"
    USER_ERROR = "user_error", "Advice given (user error)"
    THIRD_PARTY = "third_party", "Resolved by third party"


class Kind(models.TextChoices):
    SERVICE = "service", "Service incident"  # seen by the raising organisation and its resolvers
    # An information security incident (s.9.4): seen only by the desk, Switching Operations,
    # the provider it is handed to and the raising organisation's security contacts.
    SECURITY = "security", "Information security incident"
