"""API endpoints of the demand app, mounted under /api/v1/ by switching_sm/urls.py."""

urlpatterns = []
