"""Portal pages of the demand app, mounted by switching_sm/urls.py."""

app_name = "demand"
urlpatterns = []
