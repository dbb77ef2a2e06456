"""Portal pages of the demand app, mounted at /demand/ by switching_sm/urls.py."""

from django.urls import path

from . import views, views_insight, views_risks

app_name = "demand"
urlpatterns = [
    path("", views.forecasts, name="forecasts"),
    path("new/", views.new_forecast, name="new"),
    path("upload/", views.upload_forecasts, name="upload"),
    path("<int:pk>/", views.forecast_detail, name="forecast"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/share/", views.share, name="share"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("risks/", views_risks.provider_risks, name="provider_risks"),
    path("risks/<int:pk>/", views_risks.provider_risk, name="provider_risk"),
    path("services/<slug:code>/calendar/", views_insight.calendar, name="calendar"),
    path("services/<slug:code>/actuals/", views_insight.forecast_vs_actual, name="actuals"),
]
