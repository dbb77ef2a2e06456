"""Signals of the changes app, and the receivers that keep warnings fresh.

`change_notification_changed` (kwargs `change_notification`) is sent after
commit on every transition and every edit of a notification's window or
impacts. The service status app listens to it to show planned outages.
"""

import logging

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from services.models import Service, ServiceDependency

from .models import ChangeFreeze, ChangeNotification, NoticePeriodRule
from .tasks import refresh_live_warnings

logger = logging.getLogger(__name__)

change_notification_changed = Signal()


def send_changed_on_commit(change_notification):
    transaction.on_commit(lambda: change_notification_changed.send(
        sender=ChangeNotification, change_notification=change_notification))


def _enqueue_live_refresh():
    try:
        refresh_live_warnings.delay()
    except Exception:  # broker down: the hourly beat sweep refreshes them
        logger.warning("Could not enqueue the change warnings refresh; the sweep will run it")


def schedule_live_refresh(**kwargs):
    """Re-run every live notification's checks after this transaction commits."""
    if kwargs.get("raw"):
        return
    transaction.on_commit(_enqueue_live_refresh)


def connect():
    """Re-run the checks when a freeze, a notice rule or the catalogue changes."""
    for model in (ChangeFreeze, NoticePeriodRule, Service, ServiceDependency):
        uid = f"changes-refresh-{model._meta.label}"
        post_save.connect(schedule_live_refresh, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(schedule_live_refresh, sender=model, dispatch_uid=uid + "-delete")
    m2m_changed.connect(schedule_live_refresh, sender=ChangeFreeze.services.through,
                        dispatch_uid="changes-refresh-freeze-services")
