"""The choices an article is described by: its type and its audience (shared with provider
contributions, which propose both)."""

from django.db import models


class ArticleType(models.TextChoices):
    KNOWN_ERROR = "known_error", "Known error / workaround"  # a fault and how to get round it
    HOW_TO = "how_to", "How-to"  # steps to do something
    FAQ = "faq", "FAQ"  # a common question answered
    SERVICE_INFO = "service_info", "Service information"  # what a service does, its hours


class ArticleAudience(models.TextChoices):
    PUBLIC = "public", "Public"  # anyone, signed in or not
    PARTICIPANTS = "participants", "All Market Participants"  # every participant (and staff)
    MARKET_ROLE = "market_role", "One market role"  # participants of `audience_market_role`
    PROVIDERS = "providers", "CDS providers"  # provider users (and staff)
    INTERNAL = "internal", "Internal (desk and operations)"  # staff only
