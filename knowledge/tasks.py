"""Celery tasks of the knowledge app: thin wrappers over knowledge.services."""

from celery import shared_task

from accounts import audit

from . import services


@shared_task(name="knowledge.tasks.send_review_reminders", ignore_result=True)
def send_review_reminders():
    """Remind owners of articles past their review-by date (once a day per article)."""
    with audit.acting(channel=audit.Channel.SYSTEM):
        return services.send_review_reminders()


@shared_task(name="knowledge.tasks.settle_deflections", ignore_result=True)
def settle_deflections():
    """Settle suggestion views whose window has passed as deflected or raised."""
    with audit.acting(channel=audit.Channel.SYSTEM):
        return services.settle_deflections()
