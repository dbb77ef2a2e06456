"""Portal pages of the reporting app, mounted by switching_sm/urls.py."""

app_name = "reporting"
urlpatterns = []
