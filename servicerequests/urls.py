"""Portal pages of the servicerequests app, mounted at /requests/ by switching_sm/urls.py."""

from django.urls import path

from . import views

app_name = "servicerequests"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.catalogue, name="catalogue"),
    path("new/<slug:code>/", views.raise_request, name="raise"),
    path("approvals/", views.approvals, name="approvals"),
    path("<str:reference>/", views.request_detail, name="detail"),
    path("<str:reference>/decide/", views.decide, name="decide"),
    path("<str:reference>/comment/", views.comment, name="comment"),
    path("<str:reference>/transition/", views.transition, name="transition"),
    path("<str:reference>/tasks/", views.add_task, name="add_task"),
    path("<str:reference>/tasks/<int:pk>/", views.move_task, name="move_task"),
]
