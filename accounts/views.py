"""Sign-in with lockout and a second factor; the account page; the access review."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import policy, security
from .demo import USERS
from .forms import AccessReviewForm, CodeForm, LockoutAuthenticationForm, SignInCodeForm
from .models import Organisation

PENDING_KEY = "pending_second_factor"
PENDING_TTL_SECONDS = 300


class SignInView(auth_views.LoginView):
    """First step: username and password. Hands over to the second factor where needed."""

    form_class = LockoutAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not security.needs_second_factor(user):
            security.record_attempt(username=user.username, succeeded=True,
                                    remote_addr=self.request.META.get("REMOTE_ADDR"))
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user_id": user.pk, "backend": user.backend, "next": self.get_success_url(),
            "at": time.time(),
        }
        if security.has_two_factor(user):
            return redirect("portal:two_factor_verify")
        return redirect("portal:two_factor_enrol")


def _pending_user(request):
    """Return (user, pending) for a sign-in waiting for its second factor, or (None, None)."""
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_TTL_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, None
    user = (get_user_model().objects.select_related("organisation")
            .filter(pk=pending["user_id"]).first())
    if user is None or not user.has_access:
        request.session.pop(PENDING_KEY, None)
        return None, None
    return user, pending


def _finish_sign_in(request, user, pending):
    request.session.pop(PENDING_KEY, None)
    auth_login(request, user, backend=pending["backend"])
    security.record_attempt(username=user.username, succeeded=True,
                            remote_addr=request.META.get("REMOTE_ADDR"))
    target = pending.get("next") or reverse("portal:home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("portal:home")
    return redirect(target)


def two_factor_verify(request):
    """Second step: a code from the user's authenticator."""
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, "Please sign in again.")
        return redirect("portal:login")
    form = SignInCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if security.locked_until(user.username):
            request.session.pop(PENDING_KEY, None)
            messages.error(request, "Too many failed attempts. Try again later.")
            return redirect("portal:login")
        if security.verify_code(user=user, code=form.cleaned_data["code"]):
            return _finish_sign_in(request, user, pending)
        security.record_attempt(username=user.username, succeeded=False,
                                remote_addr=request.META.get("REMOTE_ADDR"))
        form.add_error("code", "That code is not valid or was already used. "
                               "Enter the current code from your authenticator app.")
    return render(request, "registration/two_factor_verify.html", {
        "form": form, "demo_hint": _demo_hint(user)})


def _demo_hint(user):
    """Under `make run` (DEBUG) with the demo data: how to get a demo user's current code."""
    if settings.DEBUG and user.username in {row[0] for row in USERS}:
        return f".venv/bin/python manage.py demo_totp_code {user.username}"
    return ""


def two_factor_enrol(request):
    """Set up an authenticator: during a sign-in where 2FA is mandatory, or from the account page."""
    user, pending = _pending_user(request)
    if user is None:
        if not request.user.is_authenticated:
            return redirect("portal:login")
        user = request.user
    if security.has_two_factor(user):
        return redirect("portal:account")
    device = security.start_enrolment(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if security.confirm_enrolment(user=user, code=form.cleaned_data["code"]):
            codes = security.issue_recovery_codes(user=user)
            if pending:
                messages.success(request, "Two-factor authentication is set up.")
                _finish_sign_in(request, user, pending)
            else:
                messages.success(request, "Two-factor authentication is now on for your "
                                          "account.")
            return _show_recovery_codes(request, codes)
        form.add_error("code", "That code does not match. Check the time on your phone and "
                               "enter the current code.")
    secret = device.secret
    return render(request, "registration/two_factor_enrol.html", {
        "form": form,
        "secret_groups": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        "provisioning_uri": security.provisioning_uri(device),
        "qr_code": security.qr_code_data_uri(device),
        "mandatory": policy.must_use_two_factor(user),
    })


@login_required
def account(request):
    return render(request, "accounts/account.html", {
        "two_factor_on": security.has_two_factor(request.user),
        "two_factor_mandatory": policy.must_use_two_factor(request.user),
        "may_review_access": policy.may_review_access(request.user, request.user.organisation_id),
        "recovery_codes_left": security.unused_recovery_codes(request.user),
    })


@login_required
@require_POST
def two_factor_disable(request):
    try:
        security.disable_two_factor(user=request.user)
    except PermissionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Two-factor authentication is off for your account.")
    return redirect("portal:account")


@login_required
def access_review(request, organisation_code=None):
    """The access review of an organisation: its administrators confirm it periodically."""
    code = organisation_code or getattr(request.user.organisation, "short_code", None)
    organisation = get_object_or_404(Organisation.objects.visible_to(request.user), short_code=code)
    if not policy.may_review_access(request.user, organisation.pk):
        raise PermissionDenied("Only the organisation's administrators may see its access review.")
    form = AccessReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        security.confirm_access_review(organisation=organisation, by=request.user,
                                       comment=form.cleaned_data["comment"])
        messages.success(request, "Thank you: the access review is recorded.")
        return redirect(request.path)
    rows = security.access_review_rows(organisation)
    return render(request, "accounts/access_review.html", {
        "organisation": organisation, "rows": rows, "form": form,
        "summary": security.access_review_summary(rows),
        "last_review": organisation.access_reviews.select_related("confirmed_by").first(),
    })


RECOVERY_CODES_KEY = "recovery_codes_once"


def _show_recovery_codes(request, codes):
    """Keep the new codes in the session for one showing on their own page."""
    request.session[RECOVERY_CODES_KEY] = codes
    return redirect("portal:recovery_codes")


@login_required
def recovery_codes(request):
    """Show freshly issued recovery codes once; a reload shows how many are left instead."""
    codes = request.session.pop(RECOVERY_CODES_KEY, None)
    return render(request, "registration/recovery_codes.html", {
        "codes": codes, "unused": security.unused_recovery_codes(request.user)})


@login_required
@require_POST
def recovery_codes_renew(request):
    """Replace the recovery codes (the old ones stop working) and show the new ones once."""
    if not security.has_two_factor(request.user):
        messages.error(request, "Turn two-factor authentication on first.")
        return redirect("portal:account")
    return _show_recovery_codes(request, security.issue_recovery_codes(user=request.user))
