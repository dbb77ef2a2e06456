"""Calling a service from the API: domain errors become the API's one error shape."""

from rest_framework.exceptions import PermissionDenied, ValidationError

from kernel.api_errors import Conflict
from kernel.attachments import AttachmentRejected

from .errors import IncidentError, InvalidTransition, NotAllowed


def call(fn, **kwargs):
    """Run a service function, mapping domain errors to 403, 400 and 409."""
    try:
        return fn(**kwargs)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except AttachmentRejected as exc:
        raise ValidationError({"file": exc.messages}) from exc
    except (InvalidTransition, IncidentError) as exc:
        raise Conflict(str(exc)) from exc
