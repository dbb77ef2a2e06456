from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"
    demo_data = "incidents.demo.seed"  # asked for by manage.py seed_demo
    portal_prefix = "incidents/"  # where its portal pages (urls.py) are mounted
    # Portal navigation entries this app contributes: (label, url name, order).
    portal_nav = [("Incidents", "incidents:list", 10)]

    def ready(self):
        from accounts import audit
        from services.models import BusinessCalendar, Holiday

        from . import models, sla_service

        # The sweep's bookkeeping is not a business change; the due times and breaches are.
        # Escalations are append-only system records with their own timestamp: not audited.
        audit.register(models.Incident, exclude={"sla_next_check_at", "updated_at"})
        for model in (models.IncidentComment, models.IncidentAttachment,
                      models.IncidentLink, models.ProviderTask, models.ProviderTaskNote,
                      models.SlaPolicy, models.SlaTarget, models.OlaTarget,
                      models.MajorIncident, models.Communication, models.CommunicationPlan,
                      models.CommunicationCadence, models.MasterLink,
                      models.AffectedOrganisation, models.PostIncidentReview,
                      models.HeldEmail,
                      models.ReconciliationItem, models.ReconciliationProgress):
            audit.register(model)
        sla_service.POLICIES.connect(models.SlaPolicy, models.SlaTarget, BusinessCalendar, Holiday)
