"""The roles a user holds (accounts.User.role); the permission policy reads nothing else."""

from django.db import models


class Role(models.TextChoices):
    MARKET_PARTICIPANT = "participant", "Market Participant user"
    SERVICE_DESK = "desk", "Service Desk agent"
    SWITCHING_OPERATIONS = "operations", "Switching Operations"
    CDS_PROVIDER = "provider", "CDS Provider user"
    AUDITOR = "auditor", "Auditor (read-only)"
