"""Portal pages of the changes app, mounted by switching_sm/urls.py."""

app_name = "changes"
urlpatterns = []
