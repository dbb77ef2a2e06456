from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views as account_views

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", account_views.SignInView.as_view(), name="login"),
    path("login/verify/", account_views.two_factor_verify, name="two_factor_verify"),
    path("login/two-factor-setup/", account_views.two_factor_enrol, name="two_factor_enrol"),
    path("account/", account_views.account, name="account"),
    path("account/two-factor/disable/", account_views.two_factor_disable, name="two_factor_disable"),
    path("account/access-review/", account_views.access_review, name="access_review"),
    path("account/access-review/<slug:organisation_code>/", account_views.access_review,
         name="access_review_for"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(
        success_url=reverse_lazy("portal:password_reset_done"),
        email_template_name="registration/password_reset_email.txt",
        subject_template_name="registration/password_reset_subject.txt",
    ), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        success_url=reverse_lazy("portal:password_reset_complete"),
    ), name="password_reset_confirm"),
    path("password-reset/complete/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("password-change/", auth_views.PasswordChangeView.as_view(
        success_url=reverse_lazy("portal:home")), name="password_change"),
]
