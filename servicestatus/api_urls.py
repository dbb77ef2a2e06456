"""API endpoints of the servicestatus app, mounted under /api/v1/ by switching_sm/urls.py."""

urlpatterns = []
