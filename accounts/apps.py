from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Parties and people"

    def ready(self):
        from . import audit
        from .models import ApiToken, Organisation, User

        audit.register(Organisation)
        audit.register(User, exclude={"password", "last_login"})
        audit.register(ApiToken, exclude={"key_hash", "last_used_at"})
