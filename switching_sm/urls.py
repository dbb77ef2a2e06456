"""The project's URLs: each app's API (`<app>/api_urls.py`) and portal pages (`<app>/urls.py`,
mounted at its AppConfig's `portal_prefix`), found from settings.PROJECT_APPS, not listed here."""

from importlib import import_module
from importlib.util import find_spec

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from kernel.url_index import indexed_include

APP_CONFIGS = [apps.get_app_config(name) for name in settings.PROJECT_APPS]

REDOC_POLICY = {"style-src": [SELF, UNSAFE_INLINE], "img-src": [SELF, "data:", "https://cdn.redoc.ly"]}

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(
        url_name="api-schema", template_name="api_docs/swagger_ui.html"), name="api-docs"),
    # Redoc injects <style> elements before it could take a nonce, and always shows its
    # maker's logo: this one page allows inline styles (not scripts) and that image.
    path("api/redoc/", csp_replace(REDOC_POLICY)(SpectacularRedocView.as_view(
        url_name="api-schema", template_name="api_docs/redoc.html")), name="api-redoc"),
    # One include for every app's API, found by the path's first segment (kernel.url_index):
    # a request is matched against its resource's routes only, not every app's routes first.
    indexed_include("api/v1/", [route for config in APP_CONFIGS
                                if find_spec(f"{config.name}.api_urls")
                                for route in import_module(f"{config.name}.api_urls").urlpatterns]),
    *[path(config.portal_prefix, include(f"{config.name}.urls")) for config in APP_CONFIGS
      if getattr(config, "portal_prefix", None)],
    path("", include("portal.urls")),
]

handler403 = "switching_sm.error_pages.permission_denied"
handler404 = "switching_sm.error_pages.page_not_found"
# The 500 page, or 503 with Retry-After when the database failed.
handler500 = "switching_sm.errors.server_error"
