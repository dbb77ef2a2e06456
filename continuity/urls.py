from django.urls import path

from . import views

app_name = "continuity"

urlpatterns = [
    path("", views.plan_list, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("actions/<int:pk>/complete/", views.action_complete, name="action_complete"),
    path("invocations/<int:pk>/", views.invocation_detail, name="invocation"),
]
