"""The friendly 403, 404 and 500 pages, in the portal's look or, under /admin/, the console's.

The same pages answer under `make run` (DEBUG on): Django would show its technical 404
and 500 pages there, which a person trying the system takes for a crash.
`DebugErrorPagesMiddleware` swaps those for the friendly page; the traceback still goes
to the terminal (django.request logs every 500), so a developer loses nothing.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from kernel.api_errors import error_body

from .errors import template_for, wants_json

# Every technical page Django renders under DEBUG carries this tag; the friendly pages do not.
TECHNICAL_PAGE_MARK = b'<meta name="robots" content="NONE,NOARCHIVE">'
MESSAGES = {403: "You do not have permission to do that.", 404: "Not found.",
            500: "Internal error; the desk has been alerted."}
CODES = {403: "permission_denied", 404: "not_found", 500: "server_error"}


def error_response(request, status):
    """Return the friendly answer for `status`: the API's JSON error shape, or the page."""
    if wants_json(request):
        return JsonResponse(error_body(status_code=status, code=CODES[status],
                                       message=MESSAGES[status]), status=status)
    if status == 500:
        # Without the request: its context processors would query a database that may be
        # the reason for the error.
        return HttpResponse(render_to_string(template_for(request, 500)), status=500)
    return render(request, template_for(request, status), status=status)


def permission_denied(request, exception=None):
    """handler403."""
    return error_response(request, 403)


def page_not_found(request, exception=None):
    """handler404."""
    return error_response(request, 404)


class DebugErrorPagesMiddleware:
    """Under DEBUG, answer with the friendly 404/500 page instead of Django's technical one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (settings.DEBUG and response.status_code in (404, 500)
                and not getattr(response, "streaming", False)
                and TECHNICAL_PAGE_MARK in response.content):
            return error_response(request, response.status_code)
        return response
