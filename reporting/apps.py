from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting"
    # Portal navigation entries this app contributes: (label, url name, order).
    portal_nav = []
