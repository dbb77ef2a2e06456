"""A report whose worker died says why and is produced again with "Try again"."""

import pyotp
import pytest
from django.utils import timezone

from accounts.models import TotpDevice
from reporting.models import ServiceReport

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_operations_try_a_report_again_after_its_worker_died(live_server, page, operations_user,
                                                              settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    secret = pyotp.random_base32()
    TotpDevice.objects.create(user=operations_user, secret=secret,
                              confirmed_at="2026-01-01T00:00Z")
    report = ServiceReport.objects.create(
        period="2026-10", edition=ServiceReport.Edition.INTERNAL,
        trigger=ServiceReport.Trigger.ON_DEMAND, status=ServiceReport.Status.FAILED,
        finished_at=timezone.now(), progress=5,
        error="The worker producing this report stopped responding (last heard from "
              "01 Dec 2026 10:00:00, at 5% done), so it was stopped.")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("olu")
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("6-digit code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verify and sign in").click()
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    assert "stopped responding" in page.get_by_role("alert").inner_text()
    page.get_by_role("button", name="Try again").click()
    # Tasks run inline in the tests: the report is produced at once.
    assert page.get_by_role("link", name="Download PDF").is_visible()
    report.refresh_from_db()
    assert report.status == ServiceReport.Status.READY and report.attempts == 1
