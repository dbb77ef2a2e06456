"""Domain errors of the incidents app: messages are shown to users as they are."""


class IncidentError(Exception):
    """Base for incident rule violations; `str(error)` is a readable message."""


class InvalidTransition(IncidentError):
    """The incident is not in a state that allows this change (API: 409)."""


class NotAllowed(IncidentError):
    """The user may see the incident but not do this to it (API: 403)."""
