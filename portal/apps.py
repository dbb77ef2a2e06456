from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Self Service Portal"
    portal_nav = [("Home", "portal:home", 0), ("Service catalogue", "services:catalogue", 90),
                  ("Your account", "portal:account", 95)]
