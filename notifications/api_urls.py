from rest_framework.routers import SimpleRouter

from .api import NotificationPreferenceViewSet

router = SimpleRouter()
router.register("notification-preferences", NotificationPreferenceViewSet,
                basename="notification-preference")
urlpatterns = router.urls
