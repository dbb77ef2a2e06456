"""Portal pages of the incidents app, mounted by switching_sm/urls.py."""

from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("raise/", views.incident_raise, name="raise"),
    path("<str:reference>/", views.incident_detail, name="detail"),
    path("<str:reference>/comment/", views.incident_comment, name="comment"),
    path("<str:reference>/transition/", views.incident_transition, name="transition"),
    path("<str:reference>/files/<int:pk>/", views.attachment_download, name="attachment"),
]
