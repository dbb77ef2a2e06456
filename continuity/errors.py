"""Domain errors of the continuity app: messages are shown to users as they are."""

from kernel.transitions import InvalidTransition as KernelInvalidTransition


class ContinuityError(Exception):
    """Base for continuity rule violations; `str(error)` is a readable message."""


class InvalidTransition(ContinuityError, KernelInvalidTransition):
    """The record is not in a state that allows this (API: 409)."""


class NotAllowed(ContinuityError):
    """The user may not do this (API: 403)."""
