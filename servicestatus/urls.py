"""Portal pages of the servicestatus app, mounted by switching_sm/urls.py."""

app_name = "servicestatus"
urlpatterns = []
