"""The portal fixes of issue 17 in a real browser, on the demo data: no sideways scrolling at
390 px (a phone), comment before cancel, the error summary takes the focus, knowledge search
falls back and suggests, the status page leads with the overall status."""

import io

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "switching-demo"

# What a participant (and anyone, signed out) opens most: home, incidents, a request,
# the Forward Schedule of Change in each view, knowledge, demand, reports, status.
PARTICIPANT_PAGES = ["/", "/incidents/", "/incidents/raise/", "/requests/", "/requests/new/",
                     "/changes/", "/changes/?view=week", "/changes/?view=list", "/knowledge/",
                     "/knowledge/search/?q=rejection", "/demand/", "/demand/new/",
                     "/reports/", "/status/portal/", "/status/webhooks/", "/account/"]
PUBLIC_PAGES = ["/status/", "/knowledge/", "/login/"]

# Elements wider than the window, named so a failure says which one sticks out.
OVERFLOW_SCRIPT = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(el).position === 'absolute') continue;
    let clipped = false;
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
    }
    if (!clipped && box.right > width + 1) {
      const name = typeof el.className === 'string' && el.className
        ? '.' + el.className.split(' ').join('.') : '';
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + name +
                ' right=' + Math.round(box.right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 5)};
}"""


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())


def sign_in(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def overflow_of(page, url):
    response = page.goto(url)
    assert response.status == 200, url
    return page.evaluate(OVERFLOW_SCRIPT)


def test_no_portal_page_scrolls_sideways_on_a_phone(live_server, page, demo):
    page.set_viewport_size(PHONE)
    problems = {}
    for path in PUBLIC_PAGES:
        result = overflow_of(page, live_server.url + path)
        if result["scrollWidth"] > result["width"]:
            problems[path] = result
    sign_in(page, live_server.url, "supplier")
    page.goto(f"{live_server.url}/incidents/?show=all")
    detail_pages = [page.locator("a[href^='/incidents/INC-']").first.get_attribute("href")]
    page.goto(f"{live_server.url}/requests/?show=all")
    detail_pages.append(page.locator("a[href^='/requests/REQ-']").first.get_attribute("href"))
    for path in PARTICIPANT_PAGES + detail_pages:
        result = overflow_of(page, live_server.url + path)
        if result["scrollWidth"] > result["width"]:
            problems[path] = result
    assert problems == {}


def test_incident_page_offers_the_comment_first_and_asks_before_cancelling(live_server, page,
                                                                           demo):
    sign_in(page, live_server.url, "supplier")
    page.goto(f"{live_server.url}/incidents/raise/")
    page.get_by_label("Title").fill("Switch requests time out")
    page.get_by_label("Description").fill("Since 09:00 every switch request times out.")
    page.locator("input[name=services]").first.check()
    page.locator("input[name=severity][value='3']").check()
    page.get_by_role("button", name="Raise incident").click()
    page.wait_for_url("**/incidents/INC-*/")
    comment = page.get_by_role("heading", name="Add a comment")
    cancel = page.locator("details.danger-zone")
    assert comment.bounding_box()["y"] < cancel.bounding_box()["y"]
    assert not page.get_by_role("button", name="Cancel incident").is_visible()
    page.get_by_text("Cancel this incident").click()
    page.get_by_label("Why cancel?").fill("Raised in error")
    page.get_by_role("button", name="Cancel incident").click()
    # The tick box is required: the browser does not send the form without it.
    assert "Cancelled" not in page.locator("dl.summary").inner_text()
    page.get_by_label("Yes, cancel").check()
    page.get_by_role("button", name="Cancel incident").click()
    page.wait_for_load_state()
    assert "Cancelled" in page.locator("dl.summary").inner_text()


def test_error_summary_takes_the_focus_on_a_bad_forecast(live_server, page, demo):
    sign_in(page, live_server.url, "supplier")
    page.goto(f"{live_server.url}/demand/new/")
    page.get_by_label("Window starts (UK time)").fill("2020-03-02T09:00")
    page.get_by_label("Window ends (UK time)").fill("2020-03-02T12:00")
    page.get_by_label("Expected volume per hour").fill("6000")
    page.get_by_label("Reason").fill("Migration")
    page.get_by_role("button", name="Submit forecast").click()
    page.wait_for_selector("[data-error-summary]")
    focused = page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert focused
    assert "already ended" in page.locator("[data-error-summary]").inner_text()


def test_service_request_end_before_start_is_refused_with_a_summary(live_server, page, demo):
    sign_in(page, live_server.url, "supplier")
    page.goto(f"{live_server.url}/requests/new/test-environment-access/")
    page.get_by_label("Environment").select_option("Market trial")
    page.get_by_label("Number of testers").fill("3")
    page.get_by_label("From").fill("2027-03-10")
    page.get_by_label("Until").fill("2027-03-01")
    page.get_by_label("What will you test?").fill("Regression of our CRM release.")
    page.get_by_role("button", name="Send request").click()
    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert "Until must not be before from" in summary.inner_text()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")


def test_knowledge_search_falls_back_and_the_status_page_leads_with_the_overall_status(
        live_server, page, demo):
    sign_in(page, live_server.url, "supplier")
    page.goto(f"{live_server.url}/knowledge/search/?q=E0213+rejection")
    assert page.locator(".kb-results li").count() >= 1
    assert "No article has all of these words" in page.content()
    page.goto(f"{live_server.url}/status/")
    headings = page.locator("main h2").all_inner_texts()
    first_section = page.locator("main section").first
    assert first_section.get_attribute("aria-labelledby") == "overall-heading"
    assert "What the states mean" in page.content() and "At risk" in page.content()
    assert headings.index("Emergency changes") < headings.index("Planned maintenance")
