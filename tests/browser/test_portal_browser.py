"""Real browser: Debian's Chromium driven by Playwright against the live server."""

import pytest

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

def test_participant_logs_in_and_sees_the_home_page(live_server, page, supplier_user):
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    page.get_by_label("Username").fill("bea")
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Test Person" \
        or page.get_by_role("heading", level=1).inner_text().startswith("Welcome, ")
    assert "Brightwater Energy" in page.content()
    page.get_by_role("link", name="Service catalogue").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Service catalogue"


def test_wrong_password_shows_the_error_in_the_page(live_server, page, supplier_user):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("bea")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").is_visible()
