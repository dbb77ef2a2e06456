"""Celery tasks of the knowledge app: thin wrappers over knowledge.services."""

from celery import shared_task

from accounts import audit

from . import problems, services


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


@shared_task(name="knowledge.tasks.follow_fixing_changes", ignore_result=True)
def follow_fixing_changes():
    """Resolve or reopen problems whose fixing change has an outcome (heals lost signals)."""
    with audit.acting(channel=audit.Channel.SYSTEM):
        return problems.follow_fixing_changes()
