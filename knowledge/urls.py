"""Portal pages of the knowledge app, mounted by switching_sm/urls.py."""

from django.urls import path

from . import views, views_providers

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
    # Providers' side of problems and knowledge (views_providers.py).
    path("investigations/", views_providers.investigation_list, name="investigations"),
    path("investigations/<int:pk>/", views_providers.investigation_detail,
         name="investigation"),
    path("investigations/<int:pk>/update/", views_providers.investigation_update,
         name="investigation_update"),
    path("investigations/<int:pk>/known-error/", views_providers.investigation_known_error,
         name="investigation_known_error"),
    path("investigations/<int:pk>/evidence/", views_providers.investigation_evidence,
         name="investigation_evidence"),
    path("investigations/<int:pk>/evidence/<int:evidence_pk>/",
         views_providers.investigation_evidence_file, name="investigation_evidence_file"),
    path("investigations/<int:pk>/propose-change/", views_providers.investigation_propose,
         name="investigation_propose"),
    path("contributions/", views_providers.contribution_list, name="contributions"),
    path("contributions/<int:pk>/", views_providers.contribution_detail, name="contribution"),
    path("contributions/<int:pk>/action/", views_providers.contribution_action,
         name="contribution_action"),
]
