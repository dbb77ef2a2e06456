from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

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

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    *[path("api/v1/", include(f"{app}.api_urls")) for app in API_APPS],
    *[path(prefix, include(module)) for prefix, module in PORTAL_APPS],
    path("", include("portal.urls")),
]

handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
