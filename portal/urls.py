from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views as account_views
from accounts.forms import AccessPasswordResetForm
from accounts.rate_limits import (
    PasswordResetRequests,
    PasswordResetsPerAddress,
    SignInAttempts,
    rate_limited,
)

from . import views

# Sign-in steps share one limit per client address; each answers 429 past it.
sign_in_limited = rate_limited(SignInAttempts)

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", sign_in_limited(account_views.SignInView.as_view()), name="login"),
    path("login/verify/", sign_in_limited(account_views.two_factor_verify),
         name="two_factor_verify"),
    path("login/two-factor-setup/", sign_in_limited(account_views.two_factor_enrol),
         name="two_factor_enrol"),
    path("account/", account_views.account, name="account"),
    path("account/recovery-codes/", account_views.recovery_codes, name="recovery_codes"),
    path("account/recovery-codes/new/", account_views.recovery_codes_renew,
         name="recovery_codes_renew"),
    path("account/two-factor/disable/", account_views.two_factor_disable, name="two_factor_disable"),
    path("account/access-review/", account_views.access_review, name="access_review"),
    path("account/access-review/<slug:organisation_code>/", account_views.access_review,
         name="access_review_for"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", rate_limited(PasswordResetRequests, PasswordResetsPerAddress)(
        auth_views.PasswordResetView.as_view(
            form_class=AccessPasswordResetForm,
            success_url=reverse_lazy("portal:password_reset_done"),
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        )), name="password_reset"),
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
