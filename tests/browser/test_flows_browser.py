"""Key journeys in a real browser: raise an incident, read public status, desk sign-in with 2FA."""

import pyotp
import pytest

from accounts.models import TotpDevice
from services.factories import ServiceFactory

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def sign_in(page, base, username, password="pass-word-123"):
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_participant_raises_an_incident_and_sees_its_reference(live_server, page,
                                                               supplier_user, service):
    sign_in(page, live_server.url, "bea")
    page.goto(f"{live_server.url}/incidents/raise/")
    page.get_by_role("button", name="Raise incident").click()
    # Submitting empty shows field errors in the page, not a crash (wait for the reply:
    # counting at once raced the page load on a busy machine).
    page.locator(".error").first.wait_for()
    assert page.locator(".error").count() >= 2
    page.get_by_label("Title").fill("Switch requests rejected with address mismatch")
    page.get_by_label("Description").fill("Since 09:00 every gas switch request is rejected.")
    page.get_by_label("UK Link").check()
    page.get_by_label("Sev3", exact=False).check()
    page.get_by_role("button", name="Raise incident").click()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading.startswith("INC-")
    assert "address mismatch" in heading
    page.goto(f"{live_server.url}/incidents/")
    assert "Switch requests rejected with address mismatch" in page.content()


def test_public_status_page_needs_no_sign_in(live_server, page, service):
    ServiceFactory(code="internal-tool", name="Internal Tool", is_public=False)
    page.goto(f"{live_server.url}/status/")
    assert page.get_by_role("heading", level=1).is_visible()
    body = page.content()
    assert "UK Link" in body
    assert "Internal Tool" not in body


def test_desk_agent_signs_in_with_a_code_and_reaches_the_console(live_server, page,
                                                                 desk_agent):
    secret = pyotp.random_base32()
    TotpDevice.objects.create(user=desk_agent, secret=secret, confirmed_at="2026-01-01T00:00Z")
    page.goto(f"{live_server.url}/admin/")
    assert "/login/" in page.url
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("6-digit code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verify and sign in").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    assert "Switching SM console" in page.content()


def test_matching_articles_appear_while_a_participant_types_a_title(live_server, page,
                                                                    supplier_user, service):
    from knowledge.factories import make_article
    from knowledge.models import Article

    make_article(title="Switch request rejected for address mismatch",
                 audience=Article.Audience.PARTICIPANTS)
    make_article(title="Internal: address mismatch triage runbook",
                 audience=Article.Audience.INTERNAL)
    sign_in(page, live_server.url, "bea")
    page.goto(f"{live_server.url}/incidents/raise/")
    page.get_by_label("Title").press_sequentially("address mismatch", delay=20)
    suggestions = page.locator("#kb-suggestions")
    suggestions.wait_for(state="visible")
    text = suggestions.inner_text()
    assert "Switch request rejected for address mismatch" in text
    assert "triage runbook" not in text
