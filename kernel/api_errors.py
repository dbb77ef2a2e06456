"""One JSON shape for every API error.

    {"error": {"status": 400, "code": "invalid", "message": "...",
               "fields": {"title": ["This field is required."]}}}

`fields` is present only for validation errors. Providers' systems rely on
this shape to show field messages to their own users.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler


def _flatten(detail):
    """Return validation detail as {field: [messages]} with plain strings."""
    if isinstance(detail, dict):
        return {key: _flatten_list(value) for key, value in detail.items()}
    return {"non_field_errors": _flatten_list(detail)}


def _flatten_list(value):
    if isinstance(value, dict):
        return {key: _flatten_list(inner) for key, inner in value.items()}
    if isinstance(value, list):
        out = []
        for item in value:
            out.extend(_flatten_list(item) if isinstance(item, list) else [_flatten_list(item)])
        return out
    return str(value)


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
