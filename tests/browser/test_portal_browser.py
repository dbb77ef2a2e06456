"""Real browser: Debian's Chromium driven by Playwright against the live server."""

import os

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Playwright's sync API runs an event loop in this thread; the ORM calls made by
# fixtures here are plain synchronous test setup.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        page = browser.new_page()
        page.set_default_timeout(15000)
        yield page
        browser.close()


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
