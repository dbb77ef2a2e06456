"""Domain errors of the changes app; messages are written for people."""

from kernel.transitions import InvalidTransition as KernelInvalidTransition


class InvalidTransition(KernelInvalidTransition):
    """A lifecycle step that is not allowed from the current state (API: 409)."""
