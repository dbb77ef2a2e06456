"""Domain errors of the servicerequests app: messages are shown to users as they are."""

from kernel.transitions import InvalidTransition as KernelInvalidTransition


class RequestError(Exception):
    """Base for service request rule violations; `str(error)` is a readable message."""


class InvalidTransition(RequestError, KernelInvalidTransition):
    """The request or task is not in a state that allows this change (API: 409)."""


class NotAllowed(RequestError):
    """The user may see the request but not do this to it (API: 403)."""


class InvalidAnswers(RequestError):
    """The answers do not satisfy the item's fields (portal: form errors; API: 400)."""

    def __init__(self, errors):
        super().__init__("Some answers are missing or invalid.")
        self.errors = errors  # {field key: [messages]}
