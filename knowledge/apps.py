from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = "Knowledge and problems"
    demo_data = "knowledge.demo.seed"  # asked for by manage.py seed_demo
    portal_prefix = "knowledge/"  # where its portal pages (urls.py) are mounted
    # Portal navigation entries this app contributes: (label, url name, order).
    portal_nav = [("Knowledge", "knowledge:home", 40)]

    def ready(self):
        from accounts import audit

        from . import receivers
        from .models import (
            Article,
            ArticleAttachment,
            ArticleTask,
            InvestigationEvidence,
            KnowledgeContribution,
            Problem,
            ProviderInvestigation,
        )

        # Versions, transitions, feedback and deflection rows are append-only
        # records in their own right; the audit trail covers what people edit.
        audit.register(Article, exclude={"body"})
        audit.register(ArticleAttachment)
        audit.register(ArticleTask)
        audit.register(Problem)
        audit.register(ProviderInvestigation)
        audit.register(InvestigationEvidence)
        audit.register(KnowledgeContribution, exclude={"body"})
        receivers.connect()
