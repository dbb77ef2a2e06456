from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import communications, masters, services, sla_service
from .inbound import process_maildir
from .models import Communication


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


@shared_task(name="incidents.tasks.fan_out_communication", ignore_result=True)
def fan_out_communication(communication_id):
    """Cascade one communication to the master's children, then queue its emails (both
    skip what is done, so a repeat after a worker restart repeats nobody)."""
    if not Communication.objects.unfinished().filter(pk=communication_id).exists():
        return 0
    masters.cascade(communication_id)
    return communications.fan_out(communication_id)


@shared_task(name="incidents.tasks.announce_outages", ignore_result=True)
def announce_outages(service_ids):
    """Announce the newly service-affecting incidents on `service_ids` whose outage is not
    announced yet (queued once a second per service by communications.on_raised)."""
    communications.ANNOUNCE.take(service_ids)
    return [communication.pk for communication in communications.announce_outages(service_ids)]


@shared_task(name="incidents.tasks.catch_up_child", ignore_result=True)
def catch_up_child(child_id):
    """Give a newly linked child its master's communications so far."""
    return masters.catch_up(child_id)


@shared_task(name="incidents.tasks.communications_sweep", ignore_result=True)
def communications_sweep():
    """Announce outages a lost announcement task left unannounced, finish fan-outs a lost
    task or a worker restart left unfinished; remind managers whose next update is due."""
    communications.announce_outages(changed_before=timezone.now() - timedelta(seconds=60))
    for communication_id in communications.unfinished_ids():
        fan_out_communication(communication_id)
    for child_id in masters.children_behind():
        masters.catch_up(child_id)
    return communications.remind_due()
