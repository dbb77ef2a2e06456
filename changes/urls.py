"""Portal pages of the changes app, mounted by switching_sm/urls.py."""

from django.urls import path

from . import views, views_outages, views_reports, views_schedule

app_name = "changes"
urlpatterns = [
    path("", views_schedule.schedule, name="schedule"),
    path("report/", views_reports.change_report, name="report"),
    path("schedule.ics", views_schedule.feed, name="feed"),
    path("schedule/<slug:code>.ics", views_schedule.service_feed, name="service_feed"),
    path("schedule.csv", views_schedule.schedule_csv, name="schedule_csv"),
    path("subscriptions/", views_schedule.subscriptions, name="subscriptions"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/new/", views.notification_create, name="notification_create"),
    path("notifications/<str:reference>/", views.notification_detail, name="notification"),
    path("notifications/<str:reference>/edit/", views.notification_edit, name="notification_edit"),
    path("notifications/<str:reference>/action/", views.notification_action,
         name="notification_action"),
    path("notifications/<str:reference>/attachments/", views.attachment_upload,
         name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("outages/", views_outages.outage_list, name="outages"),
    path("outages/declare/", views_outages.outage_declare, name="outage_declare"),
    path("outages/<str:reference>/", views_outages.outage_detail, name="outage"),
    path("outages/<str:reference>/edit/", views_outages.outage_revise, name="outage_revise"),
    path("outages/<str:reference>/action/", views_outages.outage_action, name="outage_action"),
    path("consultations/", views.consultation_list, name="consultations"),
    path("consultations/<int:pk>/", views.consultation_detail, name="consultation"),
]
