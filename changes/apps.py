from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "changes"
    verbose_name = "Change Co-ordination"
    # Portal navigation entries this app contributes: (label, url name, order).
    portal_nav = []
