"""API endpoints of the reporting app, mounted under /api/v1/ by switching_sm/urls.py."""

urlpatterns = []
