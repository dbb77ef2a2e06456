"""API endpoints of the incidents app, mounted under /api/v1/ by switching_sm/urls.py."""

urlpatterns = []
