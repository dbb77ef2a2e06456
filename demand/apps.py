from django.apps import AppConfig


class DemandConfig(AppConfig):
    name = "demand"
    verbose_name = "Demand and capacity"
    # Portal navigation entries this app contributes: (label, url name, order).
    portal_nav = []
