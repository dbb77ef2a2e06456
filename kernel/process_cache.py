"""Look-ups kept in each process's memory and dropped by every process soon after a change.

For rows that a hot request path reads on every call but that change rarely (the SLA
policy in force, its targets and calendars, the service dependency graph): a dict in the
process, checked against a version number in the shared cache (Redis in production) at
most once per `check_seconds`. `invalidate()` clears this process's copy and bumps the
version, so the other processes drop theirs at their next check. Connect it to the
models' post_save/post_delete with `invalidate_on_change`: it invalidates at once (this
process never serves its own stale copy) and again after commit (a process that rebuilt
from the old rows in between drops them too).

Values are shared between the threads of a process: store plain data or instances
nobody modifies.
"""

import logging
import threading
import time
import weakref

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from .after_commit import run_after_commit

logger = logging.getLogger(__name__)
CHECK_SECONDS = 1.0
_ALL = weakref.WeakSet()


class ProcessCache:
    def __init__(self, name, *, check_seconds=CHECK_SECONDS):
        self.name = name
        self.check_seconds = check_seconds
        self.version_key = f"process-cache:{name}"
        self._values = {}
        self._version = None
        self._checked_at = float("-inf")
        self._generation = 0  # bumped locally by every invalidation
        self._lock = threading.Lock()
        _ALL.add(self)

    def get(self, key, build):
        """Return the value for `key`, calling `build()` (and keeping the result) on a miss.

        While the shared cache cannot be reached no other process's change could be
        heard of, so nothing is kept: every call builds from the database.
        """
        if not self._check():
            return build()
        try:
            return self._values[key]
        except KeyError:
            pass
        generation = self._generation
        value = build()
        with self._lock:
            if generation == self._generation:  # not invalidated while building
                self._values[key] = value
        return value

    def _check(self):
        """Drop this process's copy if another process changed the rows; return False if
        the shared cache cannot say (its copy is dropped then too)."""
        now = time.monotonic()
        if now - self._checked_at < self.check_seconds:
            return True
        try:
            version = cache.get(self.version_key)
            if version is None:  # never set, or the shared cache was emptied: start anew
                cache.add(self.version_key, time.time_ns(), None)
                version = cache.get(self.version_key)
        except Exception:  # noqa: BLE001 - a cache outage costs speed, never the request
            logger.warning("Process cache %s: shared cache unreachable; not caching",
                           self.name, exc_info=True)
            self.clear()
            return False
        if version is None:  # a fail-soft cache that is down answers every read with None
            self.clear()
            return False
        with self._lock:
            if version != self._version or version is None:
                self._values = {}
                self._generation += 1
                self._version = version
            self._checked_at = now
        return True

    def clear(self):
        """Forget this process's copy only."""
        with self._lock:
            self._values = {}
            self._generation += 1
            self._checked_at = float("-inf")

    def invalidate(self):
        """Forget this process's copy and tell every other process to forget theirs."""
        self.clear()
        try:
            cache.set(self.version_key, time.time_ns(), None)
        except Exception:  # noqa: BLE001 - the others re-read within a second of it returning
            logger.warning("Process cache %s: could not tell other processes", self.name,
                           exc_info=True)

    def invalidate_on_change(self, sender=None, **kwargs):
        """A post_save/post_delete receiver: invalidate now and once the change commits."""
        self.invalidate()
        run_after_commit(self.invalidate, name=f"process cache {self.name}",
                         sweep=f"the next check ({self.check_seconds:g} s) after a later change")

    def connect(self, *models):
        """Invalidate whenever a row of one of `models` is saved or deleted."""
        for model in models:
            for signal in (post_save, post_delete):
                signal.connect(self.invalidate_on_change, sender=model, weak=False,
                               dispatch_uid=f"process-cache-{self.name}-{model.__name__}")


def clear_all():
    """Forget every process cache's copy in this process (tests start each case afresh)."""
    for process_cache in list(_ALL):
        process_cache.clear()
