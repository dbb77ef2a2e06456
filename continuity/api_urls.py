"""API endpoints of the continuity app, mounted under /api/v1/ by switching_sm/urls.py."""

from rest_framework.routers import SimpleRouter

from .api import DrTestViewSet, InvocationViewSet, PlanViewSet

router = SimpleRouter()
router.register("continuity/plans", PlanViewSet, basename="continuity-plan")
router.register("continuity/dr-tests", DrTestViewSet, basename="continuity-dr-test")
router.register("continuity/invocations", InvocationViewSet, basename="continuity-invocation")
urlpatterns = router.urls
