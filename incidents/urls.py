"""Portal pages of the incidents app, mounted by switching_sm/urls.py."""

app_name = "incidents"
urlpatterns = []
