from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting and continual service improvement"
    demo_data = "reporting.demo.seed"  # asked for by manage.py seed_demo
    portal_prefix = "reports/"  # where its portal pages (urls.py) are mounted
    # Portal navigation entries this app contributes: (label, url name, order).
    portal_nav = [("Reports", "reporting:reports", 60),
                  ("Provider records", "reporting:provider_records", 65)]

    def ready(self):
        from accounts import audit

        from . import models

        for model in (models.KpiSetting, models.KpiReturn, models.ServiceReport,
                      models.ImprovementOpportunity, models.ProviderRecord,
                      models.EscalationContact, models.ServiceReview, models.ReviewAction):
            audit.register(model)
