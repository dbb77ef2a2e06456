"""API endpoints of the reporting app, mounted under /api/v1/ by switching_sm/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import KpiReturnSchemaView, KpiReturnViewSet, KpiView
from .api_suggestions import SuggestionViewSet

router = SimpleRouter()
router.register("kpi-returns", KpiReturnViewSet, basename="kpi-return")
router.register("csi-suggestions", SuggestionViewSet, basename="csi-suggestion")
urlpatterns = [
    path("kpi-returns/schema.json", KpiReturnSchemaView.as_view(), name="kpi-return-schema"),
    path("kpis/", KpiView.as_view(), name="kpis"),
    *router.urls,
]
