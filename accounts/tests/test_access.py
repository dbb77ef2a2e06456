"""Access management: lockout, mandatory and optional two-factor, access review."""

import pyotp
import pytest
import time_machine
from django.urls import reverse

from accounts import security
from accounts.models import AccessReview, TotpDevice

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"


def sign_in(client, username, password=PASSWORD):
    return client.post(reverse("portal:login"), {"username": username, "password": password})


def enrol(user):
    return TotpDevice.objects.create(user=user, secret=pyotp.random_base32(),
                                     confirmed_at="2026-01-01T00:00Z")


def code_for(device, at=None):
    totp = pyotp.TOTP(device.secret)
    return totp.at(at) if at else totp.now()


def test_desk_agent_password_alone_does_not_sign_in(client, desk_agent):
    enrol(desk_agent)
    response = sign_in(client, "dana")
    assert response["Location"] == reverse("portal:two_factor_verify")
    assert client.get("/").status_code == 302  # still anonymous


def test_desk_agent_signs_in_with_password_and_code(client, desk_agent):
    device = enrol(desk_agent)
    sign_in(client, "dana")
    response = client.post(reverse("portal:two_factor_verify"), {"code": code_for(device)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_code_is_refused_with_a_message(client, desk_agent):
    enrol(desk_agent)
    sign_in(client, "dana")
    response = client.post(reverse("portal:two_factor_verify"), {"code": "000000"})
    assert "not valid" in response.content.decode()
    assert client.get("/").status_code == 302


def test_a_code_cannot_be_replayed(client, desk_agent):
    device = enrol(desk_agent)
    with time_machine.travel("2026-11-27 10:00:05Z", tick=False):
        code = code_for(device)
        assert security.verify_code(user=desk_agent, code=code)
        assert not security.verify_code(user=desk_agent, code=code)


def test_provider_without_authenticator_must_set_one_up(client, provider_user):
    response = sign_in(client, "xavier")
    assert response["Location"] == reverse("portal:two_factor_enrol")
    page = client.get(reverse("portal:two_factor_enrol"))
    assert "requires a second factor" in page.content.decode()
    device = TotpDevice.objects.get(user=provider_user)
    assert not device.is_confirmed
    client.post(reverse("portal:two_factor_enrol"), {"code": code_for(device)})
    device.refresh_from_db()
    assert device.is_confirmed
    assert client.get("/").status_code == 200


def test_participant_signs_in_without_second_factor(client, supplier_user):
    response = sign_in(client, "bea")
    assert response["Location"] == reverse("portal:home")


def test_participant_may_turn_on_and_off_optional_2fa(client, supplier_user):
    client.force_login(supplier_user)
    client.get(reverse("portal:two_factor_enrol"))
    device = TotpDevice.objects.get(user=supplier_user)
    client.post(reverse("portal:two_factor_enrol"), {"code": code_for(device)})
    assert security.has_two_factor(supplier_user)
    client.post(reverse("portal:two_factor_disable"))
    assert not TotpDevice.objects.filter(user=supplier_user).exists()


def test_desk_agent_cannot_turn_off_mandatory_2fa(client, desk_agent):
    enrol(desk_agent)
    client.force_login(desk_agent)
    response = client.post(reverse("portal:two_factor_disable"), follow=True)
    assert "mandatory" in response.content.decode()
    assert TotpDevice.objects.filter(user=desk_agent).exists()


def test_console_login_goes_through_the_portal_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_five_failures_lock_the_account_even_for_the_right_password(client, supplier_user):
    with time_machine.travel("2026-11-27 10:00Z", tick=False):
        for _ in range(5):
            sign_in(client, "bea", "wrong")
        response = sign_in(client, "bea")
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert client.get("/").status_code == 302


def test_lock_lifts_after_the_lockout_period(client, supplier_user):
    with time_machine.travel("2026-11-27 10:00Z", tick=False):
        for _ in range(5):
            sign_in(client, "bea", "wrong")
    with time_machine.travel("2026-11-27 10:16Z", tick=False):
        response = sign_in(client, "bea")
    assert response["Location"] == reverse("portal:home")


def test_a_success_resets_the_failure_count(client, supplier_user):
    for _ in range(4):
        sign_in(client, "bea", "wrong")
    sign_in(client, "bea")
    client.post(reverse("portal:logout"))
    for _ in range(4):
        sign_in(client, "bea", "wrong")
    assert security.locked_until("bea") is None


def test_access_review_counts_users_roles_and_2fa(client, supplier_user, supplier_colleague,
                                                  other_supplier_user):
    supplier_user.is_org_admin = True
    supplier_user.save()
    enrol(supplier_colleague)
    client.force_login(supplier_user)
    page = client.get(reverse("portal:access_review"))
    summary = page.context["summary"]
    assert summary["active"] == 2
    assert summary["two_factor_on"] == 1
    assert summary["never_signed_in"] == 1  # bob; bea signed in just now
    usernames = [row["username"] for row in page.context["rows"]]
    assert usernames == ["bea", "bob"]  # never the other supplier's users
    client.post(reverse("portal:access_review"), {"comment": "All correct"})
    review = AccessReview.objects.get()
    assert review.confirmed_by == supplier_user
    assert len(review.snapshot) == 2


def test_non_admin_cannot_see_the_access_review(client, supplier_colleague):
    client.force_login(supplier_colleague)
    assert client.get(reverse("portal:access_review")).status_code == 403


def test_org_admin_cannot_review_another_organisation(client, supplier_user, other_supplier_org):
    supplier_user.is_org_admin = True
    supplier_user.save()
    client.force_login(supplier_user)
    url = reverse("portal:access_review_for", args=[other_supplier_org.short_code])
    assert client.get(url).status_code == 404


def test_operations_review_any_organisation(client, operations_user, supplier_user):
    client.force_login(operations_user)
    url = reverse("portal:access_review_for", args=[supplier_user.organisation.short_code])
    assert client.get(url).status_code == 200
