"""Portal pages of the knowledge app, mounted by switching_sm/urls.py."""

app_name = "knowledge"
urlpatterns = []
