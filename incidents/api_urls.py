"""API endpoints of the incidents app, mounted under /api/v1/ by switching_sm/urls.py."""

from rest_framework.routers import SimpleRouter

from .api import IncidentViewSet
from .api_reconciliation import ReconciliationItemViewSet

router = SimpleRouter()
router.register("incidents", IncidentViewSet, basename="incident")
router.register("reconciliation-items", ReconciliationItemViewSet,
                basename="reconciliation-item")
urlpatterns = router.urls
