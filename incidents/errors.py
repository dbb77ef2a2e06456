"""Domain errors of the incidents app: messages are shown to users as they are."""

from kernel.transitions import InvalidTransition as KernelInvalidTransition


class IncidentError(Exception):
    """Base for incident rule violations; `str(error)` is a readable message."""


class InvalidTransition(IncidentError, KernelInvalidTransition):
    """The incident is not in a state that allows this change (API: 409)."""


class NotAllowed(IncidentError):
    """The user may see the incident but not do this to it (API: 403)."""
