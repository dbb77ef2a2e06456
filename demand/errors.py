"""Domain errors of the demand app (views map them to form errors, the API to 409)."""

from kernel.transitions import InvalidTransition as KernelInvalidTransition


class InvalidTransition(KernelInvalidTransition):
    """The record is not in a state that allows this change; the message is for the user."""
