from django.apps import AppConfig


class ServicestatusConfig(AppConfig):
    name = "servicestatus"
    verbose_name = "Service status and events"
    demo_data = "servicestatus.demo.seed"  # asked for by manage.py seed_demo
    portal_prefix = "status/"  # where its portal pages (urls.py) are mounted
    # Portal navigation entries this app contributes: (label, url name, order).
    portal_nav = [("Service status", "servicestatus:portal", 30)]

    def ready(self):
        from accounts import audit
        from services.models import ServiceDependency

        from . import receivers, services
        from .models import Bulletin, EventRule, ServiceState, WebhookEndpoint

        audit.register(ServiceState)
        audit.register(Bulletin)
        audit.register(EventRule)
        audit.register(WebhookEndpoint, exclude={"secret"})
        receivers.connect()
        services.GRAPH.connect(ServiceDependency)
