"""API endpoints of the servicestatus app, mounted under /api/v1/ by switching_sm/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("events", api.EventViewSet, basename="event")
router.register("bulletins", api.BulletinViewSet, basename="bulletin")
router.register("service-status", api.ServiceStateViewSet, basename="service-status")

urlpatterns = [
    path("status/", api.PublicStatusView.as_view(), name="servicestatus-public"),
    *router.urls,
]
