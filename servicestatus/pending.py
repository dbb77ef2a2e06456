"""Coalesced status recomputes: a storm of changes costs one recompute per service per second.

A change that may alter a service's derived status marks the service here instead of
recomputing in the request (kernel.coalesce: the first mark queues one task a second
later on the status queue; marks while it is queued add nothing). A lost task holds the
slot for at most ten seconds; the status sweep (every minute) heals whatever it missed.
"""

from kernel.coalesce import Coalesced

RECOMPUTE = Coalesced(prefix="servicestatus:recompute-queued",
                      task="servicestatus.tasks.recompute_services", name="status recompute",
                      sweep="the status sweep (every minute)")


def recompute_soon(service_ids):
    """Queue a recompute of `service_ids` (after commit), unless one is already queued."""
    return RECOMPUTE.soon(service_ids)


def take(service_ids):
    """Free the slots of `service_ids` (the task does this before it derives)."""
    RECOMPUTE.take(service_ids)
