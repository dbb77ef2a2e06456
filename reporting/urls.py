"""Portal pages of the reporting app, mounted at /reports/ by switching_sm/urls.py."""

from django.urls import path

from . import views_returns

app_name = "reporting"
urlpatterns = [
    path("returns/", views_returns.return_list, name="returns"),
    path("returns/upload/", views_returns.return_upload, name="return_upload"),
    path("returns/<int:pk>/", views_returns.return_detail, name="return_detail"),
]
