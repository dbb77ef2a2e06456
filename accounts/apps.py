from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Parties and people"
    demo_data = "accounts.demo.seed"  # asked for by manage.py seed_demo

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import api_auth, audit, directory
        from .models import ApiToken, Organisation, User

        audit.register(Organisation)
        directory.RESOLVER_GROUPS.connect(Organisation)
        post_save.connect(directory.forget_people, sender=User, dispatch_uid="people-saved")
        post_delete.connect(directory.forget_people, sender=User, dispatch_uid="people-deleted")
        audit.register(User, exclude={"password", "last_login"})
        audit.register(ApiToken, exclude={"key_hash", "last_used_at"})
        # A revoked token, a deactivated party or account stops working in this process at
        # once; other processes drop their cached copy within TOKEN_CACHE_SECONDS.
        for model in (ApiToken, Organisation, User):
            post_save.connect(api_auth.forget_cached_tokens_on_save, sender=model,
                              dispatch_uid=f"api-auth-forget-{model.__name__}")
