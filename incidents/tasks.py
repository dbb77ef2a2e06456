from celery import shared_task

from . import services, sla_service
from .inbound import process_maildir


@shared_task(name="incidents.tasks.sla_sweep", ignore_result=True)
def sla_sweep():
    """Record due SLA warnings and breaches (idempotent)."""
    return sla_service.sweep()


@shared_task(name="incidents.tasks.auto_close", ignore_result=True)
def auto_close():
    """Close incidents resolved longer ago than their policy allows."""
    return services.auto_close()


@shared_task(name="incidents.tasks.read_inbound_mail", ignore_result=True)
def read_inbound_mail():
    """Turn new mails in the inbound Maildir into incidents or updates."""
    return process_maildir()
