"""API endpoints of the changes app, mounted under /api/v1/ by switching_sm/urls.py."""

urlpatterns = []
