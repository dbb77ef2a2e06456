"""Celery tasks of the changes app: thin wrappers around the checks."""

from celery import shared_task

from accounts import audit

from . import checks


@shared_task(name="changes.tasks.refresh_live_warnings", ignore_result=True)
def refresh_live_warnings():
    """Re-run the policy checks of every draft and live change notification."""
    with audit.acting(channel=audit.Channel.SYSTEM):
        return checks.refresh_live_warnings()
