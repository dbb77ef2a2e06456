"""API endpoints of the incidents app, mounted under /api/v1/ by switching_sm/urls.py."""

from rest_framework.routers import SimpleRouter

from .api import IncidentViewSet

router = SimpleRouter()
router.register("incidents", IncidentViewSet, basename="incident")
urlpatterns = router.urls
