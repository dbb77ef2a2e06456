from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"
    # Portal navigation entries this app contributes: (label, url name, order).
    portal_nav = [("Incidents", "incidents:list", 10)]

    def ready(self):
        from accounts import audit

        from . import models

        for model in (models.Incident, models.IncidentComment, models.IncidentAttachment,
                      models.IncidentLink, models.AssignmentLeg, models.SlaPolicy,
                      models.SlaTarget, models.OlaTarget, models.Escalation,
                      models.MajorIncident, models.MajorIncidentUpdate,
                      models.PostIncidentReview, models.HeldEmail):
            audit.register(model)
