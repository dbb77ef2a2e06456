"""Domain errors of the reporting app; messages are written for people."""

from kernel.transitions import InvalidTransition as KernelInvalidTransition


class ReportingError(Exception):
    """Base class."""


class InvalidTransition(ReportingError, KernelInvalidTransition):
    """A status change that is not allowed from the current status (CSI entry, report)."""


class NotAllowed(ReportingError):
    """The user may not do this (views turn it into 404 or 403)."""
