from django.apps import AppConfig


class ServicerequestsConfig(AppConfig):
    name = "servicerequests"
    verbose_name = "Service requests"
    demo_data = "servicerequests.demo.seed"  # asked for by manage.py seed_demo
    portal_prefix = "requests/"  # where its portal pages (urls.py) are mounted
    # Portal navigation entries this app contributes: (label, url name, order).
    portal_nav = [("Service requests", "servicerequests:list", 15)]

    def ready(self):
        from accounts import audit

        from . import models

        for model in (models.RequestSlaPolicy, models.RequestSlaVersion, models.RequestItem,
                      models.RequestField, models.ServiceRequest, models.Approval,
                      models.FulfilmentTask):
            audit.register(model)
