"""Coalesced status recomputes: a storm of changes costs one recompute per service per second.

A change that may alter a service's derived status marks the service here instead of
recomputing in the request. The first mark of a service takes its slot in the shared
cache and queues one task, `DELAY_SECONDS` later, on the status queue; marks arriving
while the slot is held add nothing, because that task reads the database after they
committed. The task frees the slot before it derives (`take`), so a change committed
while it runs queues the next one. A lost task holds the slot for at most
`SLOT_SECONDS`; the status sweep (every minute) heals whatever it missed meanwhile.
"""

from django.core.cache import cache

from kernel.after_commit import enqueue_after_commit

DELAY_SECONDS = 1.0
SLOT_SECONDS = 10
TASK = "servicestatus.tasks.recompute_services"


def _slot(service_id):
    return f"servicestatus:recompute-queued:{service_id}"


def recompute_soon(service_ids):
    """Queue a recompute of `service_ids` (after commit), unless one is already queued."""
    queued = [service_id for service_id in sorted(set(service_ids))
              if cache.add(_slot(service_id), 1, SLOT_SECONDS)]
    if queued:
        enqueue_after_commit(TASK, queued, countdown=DELAY_SECONDS,
                             name="status recompute", sweep="the status sweep (every minute)")
    return queued


def take(service_ids):
    """Free the slots of `service_ids` (the task does this before it derives)."""
    cache.delete_many([_slot(service_id) for service_id in service_ids])
