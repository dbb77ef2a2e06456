"""Work coalesced per key: a storm of requests for the same work costs one task per key per
`delay` seconds, not one per request.

The first request for a key (a service, say) takes the key's slot in the shared cache and
queues one task, after commit and `delay` seconds later; requests arriving while the slot
is held add nothing, because that task reads the database after they committed. The task
frees the slots before it reads (`take`), so work committed while it runs queues the next
one. A lost task holds a slot for at most `slot_seconds`; the caller's sweep heals what it
missed meanwhile. Used by the status recompute (servicestatus.pending) and the outage
announcement (incidents.communications).
"""

import logging
from dataclasses import dataclass

from django.core.cache import cache

from .after_commit import enqueue_after_commit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Coalesced:
    """One kind of coalesced work: `task` (a registered name) is called with the keys."""

    prefix: str
    task: str
    name: str
    sweep: str
    delay: float = 1.0
    slot_seconds: int = 10

    def _slot(self, key):
        return f"{self.prefix}:{key}"

    def _take_slot(self, key):
        try:
            return cache.add(self._slot(key), 1, self.slot_seconds)
        except Exception as exc:  # the cache is down: a task too many is harmless
            logger.warning("%s: no slot for %s (%s); queueing anyway", self.name, key, exc)
            return True

    def soon(self, keys):
        """Queue the task for those of `keys` with no task queued yet; return them."""
        queued = [key for key in sorted(set(keys)) if self._take_slot(key)]
        if queued:
            enqueue_after_commit(self.task, queued, countdown=self.delay, name=self.name,
                                 sweep=self.sweep)
        return queued

    def take(self, keys):
        """Free the slots of `keys` (the task does this before it reads)."""
        cache.delete_many([self._slot(key) for key in keys])
