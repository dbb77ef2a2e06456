"""The Permissions-Policy header: no page of ours uses the browser's powerful features.

Django's SecurityMiddleware sets Cross-Origin-Opener-Policy, Referrer-Policy and
X-Content-Type-Options; django-csp sets the Content-Security-Policy. Neither has a
Permissions-Policy, and one constant header needs no library.
"""

from django.conf import settings


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.policy)
        return response
