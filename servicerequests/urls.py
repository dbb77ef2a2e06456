"""Portal pages of the servicerequests app, mounted by switching_sm/urls.py."""

app_name = "servicerequests"
urlpatterns = []
