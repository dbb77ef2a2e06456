"""API endpoints of the reporting app, mounted under /api/v1/ by switching_sm/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import KpiReturnSchemaView, KpiReturnViewSet, KpiView

router = SimpleRouter()
router.register("kpi-returns", KpiReturnViewSet, basename="kpi-return")
urlpatterns = [
    path("kpi-returns/schema.json", KpiReturnSchemaView.as_view(), name="kpi-return-schema"),
    path("kpis/", KpiView.as_view(), name="kpis"),
    *router.urls,
]
