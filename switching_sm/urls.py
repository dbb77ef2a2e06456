from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

# Each app owns its portal pages (<app>/urls.py) and API (<app>/api_urls.py).
PORTAL_APPS = [
    ("services/", "services.urls"),
    ("incidents/", "incidents.urls"),
    ("requests/", "servicerequests.urls"),
    ("changes/", "changes.urls"),
    ("status/", "servicestatus.urls"),
    ("demand/", "demand.urls"),
    ("knowledge/", "knowledge.urls"),
    ("reports/", "reporting.urls"),
]
API_APPS = ["accounts", "services", "notifications", "incidents", "servicerequests", "changes",
            "servicestatus", "demand", "knowledge", "reporting"]

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
    *[path("api/v1/", include(f"{app}.api_urls")) for app in API_APPS],
    *[path(prefix, include(module)) for prefix, module in PORTAL_APPS],
    path("", include("portal.urls")),
]

handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
