"""Signals of the changes app, and the receivers that keep warnings fresh.

`change_notification_changed` (kwargs `change_notification`) is sent after
commit on every transition and every edit of a notification's window or
impacts. The service status app listens to it to show planned outages.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from kernel.after_commit import enqueue_after_commit, send_after_commit
from services.models import Service, ServiceDependency

from .models import ChangeFreeze, ChangeNotification, NoticePeriodRule
from .tasks import refresh_live_warnings

change_notification_changed = Signal()


def send_changed_on_commit(change_notification):
    send_after_commit(change_notification_changed, sender=ChangeNotification,
                      change_notification=change_notification,
                      name="change_notification_changed",
                      sweep="the status sweep (every minute)")


def schedule_live_refresh(**kwargs):
    """Re-run every live notification's checks after this transaction commits."""
    if kwargs.get("raw"):
        return
    enqueue_after_commit(refresh_live_warnings, sweep="the hourly warnings sweep")


def connect():
    """Re-run the checks when a freeze, a notice rule or the catalogue changes."""
    for model in (ChangeFreeze, NoticePeriodRule, Service, ServiceDependency):
        uid = f"changes-refresh-{model._meta.label}"
        post_save.connect(schedule_live_refresh, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(schedule_live_refresh, sender=model, dispatch_uid=uid + "-delete")
    m2m_changed.connect(schedule_live_refresh, sender=ChangeFreeze.services.through,
                        dispatch_uid="changes-refresh-freeze-services")
