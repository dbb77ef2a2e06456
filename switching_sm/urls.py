"""The project's URLs: each app's API (`<app>/api_urls.py`) and portal pages (`<app>/urls.py`,
mounted at its AppConfig's `portal_prefix`), found from settings.PROJECT_APPS, not listed here."""

from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

APP_CONFIGS = [apps.get_app_config(name) for name in settings.PROJECT_APPS]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    *[path("api/v1/", include(f"{config.name}.api_urls")) for config in APP_CONFIGS
      if find_spec(f"{config.name}.api_urls")],
    *[path(config.portal_prefix, include(f"{config.name}.urls")) for config in APP_CONFIGS
      if getattr(config, "portal_prefix", None)],
    path("", include("portal.urls")),
]

handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
