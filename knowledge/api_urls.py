"""API endpoints of the knowledge app, mounted under /api/v1/ by switching_sm/urls.py."""

urlpatterns = []
