from django.apps import AppConfig


class DemandConfig(AppConfig):
    name = "demand"
    verbose_name = "Demand, capacity and risk"
    demo_data = "demand.demo.seed"  # asked for by manage.py seed_demo
    portal_prefix = "demand/"  # where its portal pages (urls.py) are mounted
    # Portal navigation entries this app contributes: (label, url name, order).
    portal_nav = [("Demand", "demand:forecasts", 50)]

    def ready(self):
        from accounts import audit

        from . import models

        for model in (models.Forecast, models.ForecastShare, models.CapacityThreshold,
                      models.ExcessiveDemandAlert, models.Risk):
            audit.register(model)
