"""Signals other apps rely on (see the cross-app contract in helper-conventions).

`incident_changed` is sent with `incident=` after the transaction that created
the incident, moved it through a transition or changed its severity commits.
"""

from django.dispatch import Signal

incident_changed = Signal()
