"""API endpoints of the servicerequests app, mounted under /api/v1/ by switching_sm/urls.py."""

from rest_framework.routers import SimpleRouter

from .api import RequestItemViewSet, ServiceRequestViewSet

router = SimpleRouter()
router.register("request-items", RequestItemViewSet, basename="request-item")
router.register("service-requests", ServiceRequestViewSet, basename="service-request")
urlpatterns = router.urls
