"""API endpoints of the incidents app, mounted under /api/v1/ by switching_sm/urls.py."""

from rest_framework.routers import SimpleRouter

from .api import IncidentViewSet
from .api_multiparty import JoinableIncidentViewSet, ProviderTaskViewSet
from .api_reconciliation import ReconciliationItemViewSet

router = SimpleRouter()
router.register("incidents", IncidentViewSet, basename="incident")
router.register("provider-tasks", ProviderTaskViewSet, basename="provider-task")
router.register("joinable-incidents", JoinableIncidentViewSet, basename="joinable-incident")
router.register("reconciliation-items", ReconciliationItemViewSet,
                basename="reconciliation-item")
urlpatterns = router.urls
