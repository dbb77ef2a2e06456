"""React to the changes app: a problem follows the change notification that fixes it (s.8.13).

`change_notification_changed` is sent after commit on every transition. A failure
here is logged by the sender and healed by the knowledge sweep
(`knowledge.tasks.follow_fixing_changes`), never raised into the change.
"""

from changes.signals import change_notification_changed
from kernel.acting import Channel, acting

from .problems import follow_fixing_change


def on_change_notification_changed(sender, change_notification, **kwargs):
    with acting(channel=Channel.SYSTEM):
        follow_fixing_change(change_notification=change_notification)


def connect():
    change_notification_changed.connect(on_change_notification_changed,
                                        dispatch_uid="knowledge-fixing-change")
