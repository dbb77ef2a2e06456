"""Portal pages of the reporting app, mounted at /reports/ by switching_sm/urls.py."""

from django.urls import path

from . import views, views_returns, views_suggestions

app_name = "reporting"
urlpatterns = [
    path("", views.report_list, name="reports"),
    path("request/", views.report_request, name="report_request"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/retry/", views.report_retry, name="report_retry"),
    path("<int:pk>/progress.json", views.report_progress, name="report_progress"),
    path("<int:pk>/download/<str:kind>/", views.report_download, name="report_download"),
    path("dashboard/", views.ops_dashboard, name="dashboard"),
    path("how-sla-figures-are-computed/", views.sla_rules, name="sla_rules"),
    path("csi/", views.csi_list, name="csi_list"),
    path("csi/<int:pk>/", views.csi_detail, name="csi_detail"),
    path("csi/suggestions/", views_suggestions.csi_suggestions, name="csi_suggestions"),
    path("csi/suggestions/<int:pk>/", views_suggestions.csi_suggestion, name="csi_suggestion"),
    path("returns/", views_returns.return_list, name="returns"),
    path("returns/upload/", views_returns.return_upload, name="return_upload"),
    path("returns/<int:pk>/", views_returns.return_detail, name="return_detail"),
]
