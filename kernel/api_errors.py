"""One JSON shape for every API error.

    {"error": {"status": 400, "code": "invalid", "message": "...",
               "fields": {"title": ["This field is required."]}}}

`fields` is present only for validation errors; its keys are dotted field paths
(`impacts.0.service` for the first impact's service). Providers' systems rely on
this shape to show field messages to their own users.
"""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .transitions import InvalidTransition


def _flatten(detail):
    """Return validation detail as {field path: [messages]} with plain strings.

    Nested serializers, lists of them and list/dict fields give nested detail; each
    message is filed under the dotted path of the field it is about, e.g.
    `impacts.0.service`, so a client can point at the exact input. A nested
    serializer's own non-field errors are filed under its path (`impacts.0`).
    """
    fields = {}
    if not isinstance(detail, dict):
        detail = {"non_field_errors": detail}
    for key, value in detail.items():
        _collect(fields, (str(key),), value)
    return fields


def _collect(fields, path, value):
    if isinstance(value, dict):
        for key, inner in value.items():
            inner_path = path if key in ("non_field_errors", api_settings.NON_FIELD_ERRORS_KEY) \
                else (*path, str(key))
            _collect(fields, inner_path, inner)
    elif isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        # A list serializer's errors: one entry per item, empty for the valid ones.
        for index, inner in enumerate(value):
            if isinstance(inner, (dict, list)):
                _collect(fields, (*path, str(index)), inner)
            else:
                fields.setdefault(".".join(path), []).append(str(inner))
    else:
        messages = value if isinstance(value, list) else [value]
        fields.setdefault(".".join(path), []).extend(str(message) for message in messages)


def error_body(*, status_code, code, message, fields=None):
    body = {"status": status_code, "code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return {"error": body}


def exception_handler(exc, context):
    """Render any API exception in the one error shape."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        body = error_body(
            status_code=status.HTTP_400_BAD_REQUEST,
            code="invalid",
            message="The request has invalid fields; see `fields`.",
            fields=fields,
        )
    else:
        detail = getattr(exc, "detail", str(exc))
        code = getattr(exc, "default_code", "error")
        if hasattr(exc, "get_codes"):
            codes = exc.get_codes()
            code = codes if isinstance(codes, str) else code
        body = error_body(status_code=response.status_code, code=code, message=str(detail))
    response.data = body
    return response


class Conflict(exceptions.APIException):
    """409: the record is not in a state that allows this (e.g. invalid transition)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This action conflicts with the record's current state."
    default_code = "conflict"


@contextmanager
def domain_errors(*conflicts):
    """Translate a service's domain errors into API errors, in the one shape.

    Any `InvalidTransition` (and the app errors named in `conflicts`) -> 409 with the
    reason; Django's ValidationError -> 400 with field messages; PermissionDenied -> 403.
    """
    try:
        yield
    except (InvalidTransition, *conflicts) as exc:
        raise Conflict(str(exc)) from exc
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {
            "non_field_errors": exc.messages}
        raise exceptions.ValidationError(detail) from exc
    except PermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc) or None) from exc
