"""Answers for a failing database: 503 with Retry-After, in the API's JSON shape or as the
portal's own page, never a bare server error.

A PostgreSQL restart or failover makes queries fail for a second or two. Those
requests get `503 Service Unavailable` with `Retry-After`, so clients and proxies try
again, and people see the portal's page saying so. The pages are rendered without the
request (no context processors), because those would query the database again.
"""

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

from kernel.api_errors import error_body

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def is_database_outage(exc):
    """Return True if `exc` says the database is unreachable, not that a query was wrong.

    OperationalError (cannot connect, connection lost, server shutting down) and
    InterfaceError (connection already closed), and a bare DatabaseError: libpq's
    "error with no message" when the connection drops mid-query. Integrity, data and
    programming errors are bugs or bad input, and stay 500 / 400.
    """
    return isinstance(exc, (OperationalError, InterfaceError)) or type(exc) is DatabaseError


def wants_json(request):
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", "")


def service_unavailable(request):
    """Return the 503 answer for `request`: JSON error shape on the API, the portal page else."""
    if wants_json(request):
        response = JsonResponse(error_body(
            status_code=503, code="service_unavailable",
            message="The service is briefly unavailable (its database is not answering). "
                    f"Nothing was lost; retry in {RETRY_AFTER_SECONDS} seconds with the same "
                    "Idempotency-Key."), status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS}),
                                status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request):
    """handler500: the 503 answer when the database failed, else a 500 in the same forms."""
    exc = sys.exc_info()[1]
    if is_database_outage(exc):
        return service_unavailable(request)
    if wants_json(request):
        return JsonResponse(error_body(status_code=500, code="server_error",
                                       message="Internal error; the desk has been alerted."),
                            status=500)
    return HttpResponse(render_to_string(template_for(request, 500)), status=500)


def template_for(request, status):
    """Return the page for `status`: the console's own under /admin/, else the portal's."""
    in_console = request is not None and request.path.startswith("/admin/")
    return f"admin/{status}.html" if in_console else f"{status}.html"


class DatabaseUnavailableMiddleware:
    """Turn a database error raised by a view into the 503 answer (and log it once)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_outage(exception):
            logger.warning("Database unavailable for %s %s: %s", request.method, request.path,
                           exception)
            return service_unavailable(request)
        return None
