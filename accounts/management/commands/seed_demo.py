"""Load demo data: organisations, users for every role, the service catalogue, and each app's demo records.

Idempotent: run it any number of times; records are matched by their natural
keys and updated, never duplicated. Each app contributes through
`<app>/demo.py: seed(stdout)`, called in dependency order.
"""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import audit

DEMO_APPS = ["accounts", "services", "incidents", "servicerequests", "changes", "servicestatus",
             "demand", "knowledge", "reporting"]


class Command(BaseCommand):
    help = "Load idempotent demo data (organisations, users, services, sample records)."

    def handle(self, *args, **options):
        with audit.acting(channel=audit.Channel.SYSTEM), transaction.atomic():
            for app in DEMO_APPS:
                try:
                    module = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
