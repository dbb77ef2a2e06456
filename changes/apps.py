from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "changes"
    verbose_name = "Change Co-ordination"
    demo_data = "changes.demo.seed"  # asked for by manage.py seed_demo
    portal_prefix = "changes/"  # where its portal pages (urls.py) are mounted
    # Portal navigation entries this app contributes: (label, url name, order).
    portal_nav = [("Schedule of change", "changes:schedule", 20)]

    def ready(self):
        from accounts import audit

        from . import signals
        from .models import (
            AgendaItem,
            ChangeAttachment,
            ChangeFreeze,
            ChangeImpact,
            ChangeNotification,
            ChangeReview,
            ConsultationRequest,
            CoordinationMeeting,
            NoticePeriodRule,
            ParticipantOutage,
            ScheduleSubscription,
        )

        for model in (ChangeNotification, ChangeImpact, ChangeAttachment, ChangeReview,
                      ChangeFreeze, NoticePeriodRule, ConsultationRequest, CoordinationMeeting,
                      AgendaItem, ScheduleSubscription, ParticipantOutage):
            audit.register(model)
        signals.connect()
