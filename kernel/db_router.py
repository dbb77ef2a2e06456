"""Reporting reads on a PostgreSQL read replica, when one is configured.

Set `DATABASE_REPLICA_URL` and the settings add a `replica` database (a streaming
replica of `default`; in tests Django's TEST MIRROR of it). Code that only reads and may
lag the primary by a moment (the monthly service report, the KPIs, the Operations
dashboard) runs inside `replica_reads()`; its reads then go to the replica, so that work
does not load the primary. Every write, every read outside the block, and every read
when no replica is configured goes to `default`, and only `default` is migrated.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
_reading_from_replica = ContextVar("reading_from_replica", default=False)


@contextmanager
def replica_reads():
    """Send the reads made inside this block (or decorated function) to the replica.

    A generator context manager, so each use (each call of a decorated function, in any
    thread) has its own token: one shared instance would mix the tokens of concurrent
    requests under threaded workers.
    """
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def replica_configured():
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading_from_replica.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
