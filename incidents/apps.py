from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"
    # Portal navigation entries this app contributes: (label, url name, order).
    portal_nav = []
