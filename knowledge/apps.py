from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = "Knowledge and problems"
    # Portal navigation entries this app contributes: (label, url name, order).
    portal_nav = []
