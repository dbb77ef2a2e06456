from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting and continual service improvement"
    # Portal navigation entries this app contributes: (label, url name, order).
    portal_nav = [("Reports", "reporting:reports", 60)]

    def ready(self):
        from accounts import audit

        from . import models

        for model in (models.KpiSetting, models.KpiReturn, models.ServiceReport,
                      models.ImprovementOpportunity):
            audit.register(model)
