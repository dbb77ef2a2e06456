from django.apps import AppConfig


class ServicerequestsConfig(AppConfig):
    name = "servicerequests"
    verbose_name = "Service requests"
    # Portal navigation entries this app contributes: (label, url name, order).
    portal_nav = []
