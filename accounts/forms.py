from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils import timezone

from . import security


class LockoutAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing locked-out usernames and recording each attempt."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        until = security.locked_until(username) if username else None
        if until:
            raise forms.ValidationError(
                "Too many failed sign-in attempts. Try again after "
                f"{timezone.localtime(until):%H:%M}, or reset your password.",
                code="locked",
            )
        try:
            return super().clean()
        except forms.ValidationError:
            if username:
                security.record_attempt(username=username, remote_addr=self._remote_addr(),
                                        succeeded=False)
            raise

    def _remote_addr(self):
        return self.request.META.get("REMOTE_ADDR") if self.request else None


class AccessPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending no link to anyone who may no longer sign in
    (a deactivated person or organisation: User.has_access)."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if user.has_access)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code", max_length=8, min_length=6,
        help_text="From your authenticator app (for example Microsoft or Google Authenticator).",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True}),
    )


class SignInCodeForm(CodeForm):
    """The second step of signing in: the app's code, or one of the recovery codes."""

    code = forms.CharField(
        label="6-digit code", max_length=12, min_length=6,
        help_text="From your authenticator app. Lost your phone? Enter one of your recovery "
                  "codes (like 4kx7m-p9qzt) instead.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class AccessReviewForm(forms.Form):
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="Optional: anything you changed or want the desk to know.")
