"""Security headers: the Permissions-Policy (no page of ours uses the browser's powerful
features) and the Content-Security-Policy through django-csp.

Django's SecurityMiddleware sets Cross-Origin-Opener-Policy, Referrer-Policy and
X-Content-Type-Options; django-csp sets the Content-Security-Policy. Neither has a
Permissions-Policy, and one constant header needs no library.
"""

import csp.constants
import csp.middleware
from django.conf import settings


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware, with the policy every ordinary response gets built once.

    django-csp builds the header afresh for each response (0.1 ms, a fortieth of an event
    post). For a response that no decorator changed the policy of, exempted, or gave a
    header already, whose request never used its nonce, the header is the same string every
    time: this process remembers what django-csp set on the first one and sets it again. All
    other responses (a page with a nonce, Redoc's replaced policy, DEBUG's error pages) go
    through django-csp unchanged.
    """

    _PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
                     "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")
    _HEADERS = (csp.constants.HEADER, csp.constants.HEADER_REPORT_ONLY)

    def __init__(self, get_response):
        super().__init__(get_response)
        self._constant_headers = None
        # A policy that leaves some paths out differs by path: not remembered then.
        self._remembers = not any(
            (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES")
            for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"))

    def _is_ordinary(self, request, response):
        return (self._remembers and getattr(request, "_csp_nonce", None) is None
                and not settings.DEBUG
                and not any(getattr(response, name, None) is not None
                            for name in self._PER_RESPONSE)
                and not any(header in response for header in self._HEADERS))

    def process_response(self, request, response):
        ordinary = self._is_ordinary(request, response)
        if ordinary and self._constant_headers is not None:
            for header, value in self._constant_headers:
                response[header] = value
            request.csp_nonce = csp.middleware.CheckableLazyObject(self._csp_nonce_post_response)
            return response
        response = super().process_response(request, response)
        if ordinary:
            self._constant_headers = tuple((header, response[header]) for header in self._HEADERS
                                           if header in response)
        return response
