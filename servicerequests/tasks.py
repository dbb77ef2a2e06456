from celery import shared_task

from . import clocks


@shared_task(name="servicerequests.tasks.sla_sweep", ignore_result=True)
def sla_sweep():
    """Recompute the breach flags of open requests and tasks (idempotent)."""
    return clocks.refresh_open()
