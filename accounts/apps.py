from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Parties and people"
    demo_data = "accounts.demo.seed"  # asked for by manage.py seed_demo

    def ready(self):
        from . import audit
        from .models import ApiToken, Organisation, User

        audit.register(Organisation)
        audit.register(User, exclude={"password", "last_login"})
        audit.register(ApiToken, exclude={"key_hash", "last_used_at"})
