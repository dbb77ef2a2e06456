"""Exit 0 if this container's worker (or beat) wrote a heartbeat recently: a healthcheck.

    python manage.py heartbeat_ok worker   # any Celery worker on this host
    python manage.py heartbeat_ok beat
"""

import socket

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kernel import heartbeats


class Command(BaseCommand):
    help = "Exit 0 if this host's worker (or beat) heartbeat is recent; used by healthchecks."

    def add_arguments(self, parser):
        parser.add_argument("process", choices=["worker", "beat"])

    def handle(self, *args, process, **options):
        if process == "beat":
            age = heartbeats.freshest("beat")
        else:
            host = socket.gethostname()
            found = {name: age for name, age in heartbeats.ages(prefix="worker:").items()
                     if name.endswith(f"@{host}")}
            age = min(found.values()) if found else None
        if not heartbeats.is_fresh(age):
            raise CommandError(f"{process}: " + ("no heartbeat" if age is None else
                               f"last heartbeat {age:.0f} s ago (limit "
                               f"{settings.HEARTBEAT_STALE_SECONDS:.0f} s)"))
        self.stdout.write(f"{process}: heartbeat {age:.0f} s ago")
