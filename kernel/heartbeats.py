"""Liveness heartbeats of the background processes, for /readyz and the compose healthchecks.

Each Celery worker writes `worker:<hostname>` from a timer in its main process, and
beat writes `beat` from its scheduler loop, every HEARTBEAT_SECONDS. A heartbeat older
than HEARTBEAT_STALE_SECONDS means the process is dead, stuck, or cut off from the
broker (a worker's timer does not run while it is reconnecting).
"""

import logging
import time
from datetime import timedelta

from celery import bootsteps
from celery.beat import PersistentScheduler
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

logger = logging.getLogger(__name__)


def record(name, *, now=None):
    """Store that `name` is alive now. Never raise: a heartbeat must not kill its process."""
    from .models import Heartbeat

    try:
        Heartbeat.objects.update_or_create(name=name, defaults={"at": now or timezone.now()})
    except Exception:
        logger.warning("Could not record the %s heartbeat", name, exc_info=True)
        connection.close()  # a broken connection is replaced on the next attempt


def ages(*, prefix=None, now=None):
    """Return {name: seconds since its heartbeat}, optionally only names starting `prefix`."""
    from .models import Heartbeat

    now = now or timezone.now()
    rows = Heartbeat.objects.all()
    if prefix:
        rows = rows.filter(name__startswith=prefix)
    return {row.name: (now - row.at).total_seconds() for row in rows}


def is_fresh(age_seconds):
    return age_seconds is not None and age_seconds <= settings.HEARTBEAT_STALE_SECONDS


def freshest(prefix, *, now=None):
    """Return the age in seconds of the newest heartbeat starting with `prefix`, or None."""
    found = ages(prefix=prefix, now=now)
    return min(found.values()) if found else None


def forget_older_than(*, days=7):
    """Delete heartbeats of processes gone for `days` (scaled-down workers)."""
    from .models import Heartbeat

    Heartbeat.objects.filter(at__lt=timezone.now() - timedelta(days=days)).delete()


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Worker bootstep: write `worker:<hostname>` every HEARTBEAT_SECONDS."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None

    def start(self, worker):
        name = f"worker:{worker.hostname}"

        def beat():
            close_old_connections()
            record(name)

        beat()
        self.tref = worker.timer.call_repeatedly(settings.HEARTBEAT_SECONDS, beat)

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None


class HeartbeatScheduler(PersistentScheduler):
    """Celery beat's scheduler, writing the `beat` heartbeat as it loops."""

    _last_heartbeat = 0.0

    def tick(self, *args, **kwargs):
        now = time.monotonic()
        if now - self._last_heartbeat >= settings.HEARTBEAT_SECONDS:
            self._last_heartbeat = now
            close_old_connections()
            record("beat")
        return min(super().tick(*args, **kwargs), settings.HEARTBEAT_SECONDS)
