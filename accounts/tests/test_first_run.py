"""First run: the QR code and recovery codes of two-factor set-up, signing in with a recovery
code, and the demo logins `make run` prints with each second factor."""

import io

import pyotp
import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from accounts import demo, security
from accounts.models import RecoveryCode, TotpDevice

pytestmark = pytest.mark.django_db


def test_enrolment_shows_a_qr_code_then_ten_recovery_codes_once(client, supplier_user):
    client.force_login(supplier_user)
    page = client.get(reverse("portal:two_factor_enrol")).content.decode()
    assert 'class="qr-code" src="data:image/svg+xml' in page
    device = TotpDevice.objects.get(user=supplier_user)
    response = client.post(reverse("portal:two_factor_enrol"),
                           {"code": pyotp.TOTP(device.secret).now()}, follow=True)
    page = response.content.decode()
    codes = page.split('id="recovery-codes" class="secret-block">', 1)[1].split("</pre>")[0]
    codes = codes.split()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert RecoveryCode.objects.filter(user=supplier_user).count() == 10
    assert not any(RecoveryCode.objects.filter(code_hash=code).exists() for code in codes)
    again = client.get(reverse("portal:recovery_codes")).content.decode()
    assert codes[0] not in again and "10 unused codes left" in again


def test_a_recovery_code_signs_in_once(client, desk_agent):
    TotpDevice.objects.create(user=desk_agent, secret=pyotp.random_base32(),
                              confirmed_at="2026-01-01T00:00Z")
    code = security.issue_recovery_codes(user=desk_agent)[0]
    client.post(reverse("portal:login"), {"username": "dana", "password": "pass-word-123"})
    response = client.post(reverse("portal:two_factor_verify"), {"code": code.upper()})
    assert response.status_code == 302 and client.get("/").status_code == 200
    client.logout()
    client.post(reverse("portal:login"), {"username": "dana", "password": "pass-word-123"})
    response = client.post(reverse("portal:two_factor_verify"), {"code": code})
    assert "not valid" in response.content.decode()


def test_new_recovery_codes_replace_the_old_ones(desk_agent):
    TotpDevice.objects.create(user=desk_agent, secret=pyotp.random_base32(),
                              confirmed_at="2026-01-01T00:00Z")
    old = security.issue_recovery_codes(user=desk_agent)
    security.issue_recovery_codes(user=desk_agent)
    assert not security.verify_code(user=desk_agent, code=old[0])


def test_someone_elses_recovery_code_does_not_work(desk_agent, operations_user):
    for user in (desk_agent, operations_user):
        TotpDevice.objects.create(user=user, secret=pyotp.random_base32(),
                                  confirmed_at="2026-01-01T00:00Z")
    code = security.issue_recovery_codes(user=operations_user)[0]
    assert not security.verify_code(user=desk_agent, code=code)


def test_demo_logins_name_each_second_factor_with_the_current_code(db):
    demo.seed(io.StringIO())
    out = io.StringIO()
    with time_machine.travel("2026-12-01 10:00:05Z", tick=False):
        call_command("demo_logins", stdout=out)
        desk = TotpDevice.objects.get(user__username="desk")
        expected = pyotp.TOTP(desk.secret).now()
    text = out.getvalue()
    assert f"authenticator code {expected} now (`manage.py demo_totp_code desk`)" in text
    supplier_line = text.split("supplier ", 1)[1].split("\n", 2)[1]
    assert "password only" in supplier_line


def test_the_code_page_tells_demo_users_how_to_get_a_code_only_under_debug(client, settings,
                                                                           db):
    demo.seed(io.StringIO())
    for debug, shown in ((False, False), (True, True)):
        settings.DEBUG = debug
        client.post(reverse("portal:login"), {"username": "desk",
                                              "password": demo.DEMO_PASSWORD})
        page = client.get(reverse("portal:two_factor_verify")).content.decode()
        assert ("manage.py demo_totp_code desk" in page) is shown
