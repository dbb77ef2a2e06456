"""Domain errors of the knowledge app, with messages a user can read."""

from kernel.transitions import InvalidTransition as KernelInvalidTransition


class KnowledgeError(Exception):
    """Base class: the message is shown to the user as is."""


class InvalidTransition(KnowledgeError, KernelInvalidTransition):
    """The article's or problem's lifecycle does not allow this action now."""


class ImmutableVersion(KnowledgeError):
    """Article versions are never changed or deleted."""


class NotEditable(KnowledgeError):
    """The working copy may only change while the article is a draft."""
