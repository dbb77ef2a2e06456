from celery import shared_task

from . import services


@shared_task(name="notifications.tasks.deliver_email", ignore_result=True)
def deliver_email(email_id):
    """Deliver one outbox email (the sweep retries failures with backoff)."""
    services.deliver(email_id)


@shared_task(name="notifications.tasks.deliver_pending", ignore_result=True)
def deliver_pending():
    """Deliver anything due in the outbox: failed attempts and tasks that were lost."""
    return services.deliver_due()
