from celery import shared_task

from accounts import audit

from . import pending
from .services import recompute_all as run
from .services import recompute_status
from .webhooks import deliver, deliver_due


@shared_task(name="servicestatus.tasks.deliver_webhook", ignore_result=True)
def deliver_webhook(delivery_id):
    """Deliver one webhook from the outbox (the sweep retries failures with backoff)."""
    with audit.acting(channel=audit.Channel.SYSTEM):
        deliver(delivery_id)


@shared_task(name="servicestatus.tasks.deliver_due_webhooks", ignore_result=True)
def deliver_due_webhooks():
    """Deliver every due webhook: retries and deliveries whose task was lost."""
    with audit.acting(channel=audit.Channel.SYSTEM):
        return deliver_due()


@shared_task(name="servicestatus.tasks.recompute_all", ignore_result=True)
def recompute_all():
    """Re-derive every service's status: expires event holds and heals missed signals."""
    with audit.acting(channel=audit.Channel.SYSTEM):
        return len(run())


@shared_task(name="servicestatus.tasks.recompute_services", ignore_result=True)
def recompute_services(service_ids):
    """Re-derive the status of the services marked by pending.recompute_soon."""
    pending.take(service_ids)
    with audit.acting(channel=audit.Channel.SYSTEM):
        return len(recompute_status(service_ids, check_first=False))
