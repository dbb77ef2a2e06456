"""Signals other apps rely on (see the cross-app contract in helper-conventions).

`incident_changed` is sent with `incident=` after the transaction that created
the incident, moved it through a transition or changed its severity commits.
"""

from django.dispatch import Signal

incident_changed = Signal()

# Sent with `major_incident=` and `by=` inside the transaction that invokes BCDR on a major
# incident (s.11.41), so what the continuity app does in answer (the Crisis Management Team
# step, its invocation log and pages) commits or rolls back with the invocation itself.
bcdr_invoked = Signal()
