"""Celery tasks of the reporting app: thin wrappers taking ids."""

from celery import shared_task

from accounts import audit

from . import generation


# A report over a year of incidents takes minutes, not hours: past the soft limit the
# report is marked failed with the reason; the hard limit kills a worker stuck in C code.
@shared_task(name="reporting.tasks.generate_service_report", ignore_result=True,
             acks_late=True, soft_time_limit=15 * 60, time_limit=16 * 60)
def generate_service_report(report_id):
    """Compute and store one ServiceReport (its row was written before this was enqueued)."""
    with audit.acting(channel=audit.Channel.SYSTEM):
        generation.generate(report_id)


@shared_task(name="reporting.tasks.schedule_monthly_reports", ignore_result=True)
def schedule_monthly_reports():
    """Queue last month's reports on the first working day of the month (idempotent)."""
    with audit.acting(channel=audit.Channel.SYSTEM):
        return len(generation.schedule_monthly())


@shared_task(name="reporting.tasks.sweep_reports", ignore_result=True)
def sweep_reports():
    """Fail reports whose worker went silent; re-enqueue reports whose task was lost."""
    with audit.acting(channel=audit.Channel.SYSTEM):
        return generation.sweep()
