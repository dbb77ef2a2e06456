from django.apps import AppConfig


class ServicestatusConfig(AppConfig):
    name = "servicestatus"
    verbose_name = "Service status and events"
    # Portal navigation entries this app contributes: (label, url name, order).
    portal_nav = []
