from django.apps import AppConfig


class ContinuityConfig(AppConfig):
    name = "continuity"
    verbose_name = "Service continuity and disaster recovery"
    demo_data = "continuity.demo.seed"  # asked for by manage.py seed_demo
    portal_prefix = "continuity/"  # where its portal pages (urls.py) are mounted
    portal_nav = [("Continuity", "continuity:plans", 75)]

    def ready(self):
        from accounts import audit

        from . import models, receivers

        for model in (models.ContinuityPlan, models.ContinuityContact,
                      models.DisasterRecoveryTest, models.RecoveryAction,
                      models.CrisisTeamMember, models.CrisisInvocation):
            audit.register(model)
        receivers.connect()
