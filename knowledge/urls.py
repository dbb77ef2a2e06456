"""Portal pages of the knowledge app, mounted by switching_sm/urls.py."""

from django.urls import path

from . import views

app_name = "knowledge"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("suggest/", views.suggest, name="suggest"),
    path("<int:pk>/", views.article_detail, name="article"),
    path("<int:pk>/feedback/", views.give_feedback, name="feedback"),
    path("<int:pk>/report/", views.report_problem, name="report"),
    path("<int:pk>/deflection/", views.record_deflection, name="deflection"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment, name="attachment"),
]
