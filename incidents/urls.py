"""Portal pages of the incidents app, mounted by switching_sm/urls.py."""

from django.urls import path

from . import views, views_multiparty, views_reconciliation

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("raise/", views.incident_raise, name="raise"),
    # before <reference>/: these words are not references
    path("tasks/", views_multiparty.task_list, name="tasks"),
    path("tasks/<int:pk>/", views_multiparty.task_detail, name="task"),
    path("tasks/<int:pk>/act/", views_multiparty.task_act, name="task_act"),
    path("joinable/", views_multiparty.joinable, name="joinable"),
    path("joined/", views_multiparty.joined, name="joined"),
    path("join/<str:reference>/", views_multiparty.join, name="join"),
    path("reconciliation/", views_reconciliation.item_list, name="reconciliation"),
    path("reconciliation/<int:pk>/", views_reconciliation.item_detail,
         name="reconciliation_item"),
    path("reconciliation/<int:pk>/sign-off/", views_reconciliation.item_sign_off,
         name="reconciliation_sign_off"),
    path("<str:reference>/", views.incident_detail, name="detail"),
    path("<str:reference>/comment/", views.incident_comment, name="comment"),
    path("<str:reference>/transition/", views.incident_transition, name="transition"),
    path("<str:reference>/files/<int:pk>/", views.attachment_download, name="attachment"),
]
