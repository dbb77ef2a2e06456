from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = "Service catalogue"

    def ready(self):
        from accounts import audit

        from .models import BusinessCalendar, Holiday, Service, ServiceDependency

        for model in (Service, ServiceDependency, BusinessCalendar, Holiday):
            audit.register(model)
