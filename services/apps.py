from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = "Service catalogue"
    demo_data = "services.demo.seed"  # asked for by manage.py seed_demo
    portal_prefix = "services/"  # where its portal pages (urls.py) are mounted

    def ready(self):
        from accounts import audit

        from .models import BusinessCalendar, Holiday, Service, ServiceDependency

        for model in (Service, ServiceDependency, BusinessCalendar, Holiday):
            audit.register(model)

        from .catalogue import CATALOGUE

        CATALOGUE.connect(Service)
