"""Portal pages of the servicestatus app, mounted at /status/ by switching_sm/urls.py."""

from django.urls import path

from . import views, views_manage

app_name = "servicestatus"
urlpatterns = [
    path("", views.public_status, name="public"),
    path("status.json", views.public_status_json, name="public_json"),
    path("feed.atom", views.atom_feed, name="feed"),
    path("portal/", views.portal_status, name="portal"),
    path("services/<slug:code>/", views.service_status, name="service"),
    path("services/<slug:code>/set/", views.set_status, name="set_status"),
    path("services/<slug:code>/automatic/", views.set_automatic, name="set_automatic"),
    path("bulletins/", views_manage.bulletin_list, name="bulletins"),
    path("bulletins/new/", views_manage.bulletin_new, name="bulletin_new"),
    path("bulletins/<int:pk>/", views_manage.bulletin_detail, name="bulletin"),
    path("bulletins/<int:pk>/acknowledge/", views_manage.bulletin_acknowledge,
         name="bulletin_acknowledge"),
    path("bulletins/<int:pk>/withdraw/", views_manage.bulletin_withdraw, name="bulletin_withdraw"),
    path("subscriptions/", views_manage.subscriptions, name="subscriptions"),
    path("webhooks/", views_manage.webhooks, name="webhooks"),
    path("webhooks/<int:pk>/", views_manage.webhook_detail, name="webhook"),
    path("webhooks/<int:pk>/enable/", views_manage.webhook_enable, name="webhook_enable"),
    path("events/", views_manage.event_trends_view, name="events"),
]
