"""React to the incidents and changes apps: re-derive status, refresh the status page.

Connected in AppConfig.ready() only if those apps provide their signals, so
this app works while either is absent. Both signals are sent after commit;
a failure here is logged and healed by the beat sweep (recompute_all), never
raised into the incident or change that triggered it.
"""

import logging

from django.db.models.signals import post_save

from changes.signals import change_notification_changed
from incidents.signals import incident_changed
from services.models import Service, ServiceDependency

from . import cache as status_cache
from .derivation import INCIDENT_SEVERITY_STATUS
from .pending import recompute_soon
from .services import recompute_status, services_citing

logger = logging.getLogger(__name__)


def on_incident_changed(sender, incident, created=False, service_ids=None, **kwargs):
    """Queue a recompute of the incident's services (coalesced: pending.py).

    A new Sev3/Sev4 incident changes no derived status and does not show on the status
    page: nothing to do, not even a query. Anything else may, so the status page is
    refreshed and the worker re-derives the services within a second.
    """
    if created and incident.severity not in INCIDENT_SEVERITY_STATUS:
        return
    try:
        if service_ids is None:
            service_ids = incident.services.values_list("pk", flat=True)
        ids = set(service_ids)
        if not created:  # a service taken off the incident may still show its status
            ids |= services_citing(incident.reference)
        recompute_soon(ids)
    except Exception:
        logger.exception("Could not queue a status recompute after incident %s", incident.pk)
    status_cache.invalidate()


def on_change_notification_changed(sender, change_notification, **kwargs):
    try:
        ids = set(change_notification.impacts.values_list("service_id", flat=True))
        recompute_status(ids | services_citing(change_notification.reference))
    except Exception:
        logger.exception("Could not recompute status after change %s", change_notification.pk)
    status_cache.invalidate()


def on_catalogue_saved(sender, **kwargs):
    status_cache.invalidate_on_commit()  # a service renamed, made public or private


def connect():
    """Connect to the incident and change signals, and to catalogue edits."""
    for model in (Service, ServiceDependency):
        post_save.connect(on_catalogue_saved, sender=model,
                          dispatch_uid=f"servicestatus-{model.__name__}")
    incident_changed.connect(on_incident_changed, dispatch_uid="servicestatus-incident")
    change_notification_changed.connect(on_change_notification_changed,
                                        dispatch_uid="servicestatus-change")
