"""Long jobs that cannot hang: a heartbeat while they run, for the sweep that finds dead ones.

A job row (e.g. a ServiceReport) has a `heartbeat_at` field. While the job runs,
`heartbeat()` refreshes it from a background thread every `every` seconds, whether
the job is computing, drawing or waiting on the database. A beat sweep marks a
running job whose heartbeat is older than its stale limit as failed: its worker was
killed, ran out of memory, or lost its host. The job's own code stays unchanged.
"""

import logging
import threading
from contextlib import contextmanager

from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)


@contextmanager
def heartbeat(queryset, *, every, field="heartbeat_at"):
    """Refresh `field` on the rows of `queryset` every `every` seconds until the block ends."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(every):
                try:
                    queryset.update(**{field: timezone.now()})
                except Exception:
                    logger.warning("Could not record a job heartbeat", exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name="job-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
