"""Load demo data: each app's own demo records, lowest layer first (accounts' people first).

Idempotent: run it any number of times; records are matched by their natural
keys and updated, never duplicated. The command knows no app: every app that
has demo data says so in its AppConfig (`demo_data = "<app>.demo.seed"`, a
function taking the command's stdout), and the apps are asked in the order of
settings.PROJECT_APPS, so an app's seed finds the records of the apps below it.
"""

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from kernel.acting import Channel, acting


def demo_seeds():
    """Return [(app label, seed function)] of the apps that provide demo data, in layer order."""
    configs = [apps.get_app_config(name) for name in settings.PROJECT_APPS]
    return [(config.label, import_string(config.demo_data)) for config in configs
            if getattr(config, "demo_data", None)]


class Command(BaseCommand):
    help = "Load idempotent demo data (organisations, users, services, sample records)."

    def handle(self, *args, **options):
        with acting(channel=Channel.SYSTEM), transaction.atomic():
            for _, seed in demo_seeds():
                seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
