"""API endpoints of the changes app, mounted under /api/v1/ by switching_sm/urls.py."""

from rest_framework.routers import SimpleRouter

from . import api, api_outages

router = SimpleRouter()
router.register("change-notifications", api.ChangeNotificationViewSet,
                basename="change-notification")
router.register("change-schedule", api.ScheduleViewSet, basename="change-schedule")
router.register("change-consultations", api.ConsultationViewSet, basename="change-consultation")
router.register("participant-outages", api_outages.ParticipantOutageViewSet,
                basename="participant-outage")

urlpatterns = router.urls
