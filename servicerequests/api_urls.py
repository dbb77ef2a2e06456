"""API endpoints of the servicerequests app, mounted under /api/v1/ by switching_sm/urls.py."""

urlpatterns = []
