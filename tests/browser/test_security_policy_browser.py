"""Under the Content-Security-Policy the portal, console, status page and API docs still work.

The browser reports every CSP violation as a `securitypolicyviolation` event; a script
injected before each page's own collects them, and each test asserts there were none
while the page did its job (scripts ran, styles applied, forms posted).
"""

import pyotp
import pytest

from accounts.models import TotpDevice
from incidents.factories import IncidentFactory

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
                              + ` at ${event.sourceFile || location.pathname}:${event.lineNumber}`);
});
"""


@pytest.fixture
def watched(page):
    """The browser page, collecting CSP violations on every document it loads."""
    page.add_init_script(COLLECT_VIOLATIONS)
    return page


def violations(page):
    return page.evaluate("window.__cspViolations")


def directives(response):
    """Return the response's Content-Security-Policy as {directive: [sources]}."""
    policy = response.headers.get("content-security-policy", "")
    return {name: sources for name, *sources in
            (part.split() for part in policy.split(";") if part.strip())}


def visit(page, url):
    """Open `url`; return its response after checking the policy came with it."""
    response = page.goto(url)
    script_src = directives(response)["script-src"]
    assert "'self'" in script_src and "'unsafe-inline'" not in script_src
    return response


def sign_in(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Sign in").click()


def test_portal_works_under_the_policy(live_server, watched, supplier_user, service):
    from knowledge.factories import make_article
    from knowledge.models import Article

    make_article(title="Switch request rejected for address mismatch",
                 audience=Article.Audience.PARTICIPANTS)
    sign_in(watched, live_server.url, "bea")
    watched.wait_for_url(f"{live_server.url}/")
    visit(watched, f"{live_server.url}/incidents/raise/")
    # The suggestions script (a static file now) runs and fills the list as she types.
    watched.get_by_label("Title").press_sequentially("address mismatch", delay=20)
    watched.locator("#kb-suggestions").wait_for(state="visible")
    watched.get_by_label("Description").fill("Every gas switch request is rejected.")
    watched.get_by_label("UK Link").check()
    watched.get_by_label("Sev3", exact=False).check()
    watched.get_by_role("button", name="Raise incident").click()
    assert watched.get_by_role("heading", level=1).inner_text().startswith("INC-")
    # The stylesheet applied: the header is laid out by portal.css, not the browser default.
    assert watched.locator(".site-header").evaluate(
        "el => getComputedStyle(el).display") != "inline"
    for path in ("/", "/incidents/", "/knowledge/", "/changes/", "/demand/", "/account/"):
        visit(watched, f"{live_server.url}{path}")
    assert violations(watched) == []


def test_console_works_under_the_policy(live_server, watched, operations_user, service):
    secret = pyotp.random_base32()
    TotpDevice.objects.create(user=operations_user, secret=secret, confirmed_at="2026-01-01T00:00Z")
    # Sev1: due within 30 minutes, so the queue shows its time to breach as an alert.
    incident = IncidentFactory(services=[service], severity=1)
    sign_in(watched, live_server.url, "olu")
    watched.get_by_label("6-digit code").fill(pyotp.TOTP(secret).now())
    watched.get_by_role("button", name="Verify and sign in").click()
    watched.wait_for_url(f"{live_server.url}/")
    visit(watched, f"{live_server.url}/admin/incidents/incident/")
    assert watched.locator(".sla-alert").first.evaluate("el => getComputedStyle(el).color") \
        == "rgb(187, 0, 0)"
    # The admin's own scripts run: ticking a row's box updates the action counter.
    watched.locator("input.action-select").first.check()
    assert "1 of 1 selected" in watched.locator(".action-counter").inner_text()
    visit(watched, f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/")
    assert watched.get_by_role("link", name="Open the workspace").is_visible()
    # The workspace: htmx (a static file) loads the live counts; shortcuts are a static file.
    visit(watched, f"{live_server.url}/admin/workspace/queue/open/")
    watched.locator('#ws-counts [data-queue="open"]').wait_for()
    assert violations(watched) == []
    visit(watched, f"{live_server.url}/admin/workspace/incident/{incident.reference}/")
    assert watched.get_by_role("heading", name="Timeline").is_visible()
    watched.keyboard.press("a")
    assert watched.get_by_label("Resolver group").is_visible()
    assert violations(watched) == []
    visit(watched, f"{live_server.url}/admin/changes/changefreeze/add/")
    # The date widget (admin JavaScript) fills today's date.
    watched.locator(".datetimeshortcuts a", has_text="Today").first.click()
    assert watched.locator("input.vDateField").first.input_value() != ""
    assert violations(watched) == []


def test_status_page_works_under_the_policy(live_server, watched, service):
    visit(watched, f"{live_server.url}/status/")
    assert "UK Link" in watched.content()
    assert violations(watched) == []


def test_api_docs_work_under_the_policy(live_server, watched):
    visit(watched, f"{live_server.url}/api/docs/")
    # Swagger UI rendered the schema's operations, and one opens.
    watched.locator(".opblock").first.wait_for(timeout=60_000)  # slow on a loaded machine
    watched.locator(".opblock-summary").first.click()
    watched.locator(".opblock-body").first.wait_for()
    # It renders the operations lazily, only those near the viewport (this Chromium does;
    # an earlier one rendered all at once): scrolling down reaches the schema's last tag.
    last_tag = watched.locator(".opblock-tag", has_text="Service catalogue")
    for _ in range(200):
        if last_tag.count():
            break
        watched.mouse.wheel(0, 3000)
        watched.wait_for_timeout(100)
    last_tag.wait_for()
    response = visit(watched, f"{live_server.url}/api/redoc/")
    assert "'unsafe-inline'" in directives(response)["style-src"]  # Redoc's injected styles
    # Redoc lays out the whole schema in the browser before showing anything: on a loaded
    # 2-core machine that took 30 s with ~110 operations, so it gets longer than other waits.
    watched.get_by_text("Incidents").first.wait_for(timeout=90_000)
    watched.locator("h2").first.wait_for()
    assert violations(watched) == []
