"""API endpoints of the demand app, mounted under /api/v1/ by switching_sm/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import ActualVolumeViewSet, AggregateView, AlertViewSet, ForecastViewSet
from .api_risks import ProviderRiskViewSet

router = SimpleRouter()
router.register("demand/forecasts", ForecastViewSet, basename="demand-forecast")
router.register("demand/alerts", AlertViewSet, basename="demand-alert")
router.register("demand/actuals", ActualVolumeViewSet, basename="demand-actual")
router.register("demand/provider-risks", ProviderRiskViewSet, basename="demand-provider-risk")
urlpatterns = [
    path("demand/aggregate/", AggregateView.as_view(), name="demand-aggregate"),
    *router.urls,
]
