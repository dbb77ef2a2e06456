"""The desk's journeys in the console workspace, in a real browser: from the home's live
counts to a queue, triage, assignment, and resolving with a confirmation; keyboard only
where the desk would use the keyboard."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from accounts.models import TotpDevice
from incidents.factories import IncidentFactory, OlaTargetFactory
from incidents.models import Incident

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def sign_in_with_code(page, base, user):
    secret = pyotp.random_base32()
    TotpDevice.objects.create(user=user, secret=secret, confirmed_at="2026-01-01T00:00Z")
    page.goto(f"{base}/admin/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("6-digit code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verify and sign in").click()
    page.wait_for_url(f"{base}/admin/")


@pytest.fixture
def sev1(supplier_user, service):
    return IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                           services=[service], severity=1,
                           title="Every switch request rejected since 09:00")


def count_of(page, queue):
    return page.locator(f'#ws-counts [data-queue="{queue}"] .ws-count-n')


def test_desk_triages_a_sev1_from_the_queue_and_resolves_it_with_a_confirmation(
        live_server, page, desk_agent, sev1, provider_org):
    OlaTargetFactory(resolver_group=provider_org, severity=1, resolution_amount=2,
                     resolution_unit="hours")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_with_code(page, live_server.url, desk_agent)
    expect(count_of(page, "unassigned")).to_have_text("1")
    expect(count_of(page, "breaching")).to_have_text("1")

    # the home's count opens the queue, sorted by urgency, with time to breach on screen
    page.locator('#ws-counts [data-queue="unassigned"]').click()
    expect(page.get_by_role("heading", name=re.compile("Queue: Unassigned"))).to_be_visible()
    row = page.get_by_role("row", name=re.compile(sev1.reference))
    expect(row).to_contain_text("Sev1")
    expect(row).to_contain_text(re.compile(r"\d+ min"))
    expect(page.get_by_role("columnheader", name="Time to breach")).to_be_in_viewport()
    row.get_by_role("link", name=sev1.reference).click()

    # the workspace: header clocks, then respond by keyboard
    expect(page.get_by_role("heading", level=1)).to_contain_text(sev1.reference)
    expect(page.locator(".ws-clocks")).to_contain_text("Response")
    page.keyboard.press("g")
    page.get_by_label("Note (optional)").first.fill("Looking at the CSS adapter")
    page.get_by_role("button", name="Respond (start work)").click()
    expect(page.locator(".messagelist")).to_contain_text(f"{sev1.reference} is in progress")

    # assign to the provider: the message names the group and its OLA due time
    page.keyboard.press("a")
    page.get_by_label("Resolver group").select_option(label="Xoserve")
    page.get_by_label("Note to the group").fill("Adapter rejects every request")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text(
        re.compile(rf"{sev1.reference} assigned to Xoserve; OLA due \d\d:\d\d"))
    expect(page.locator(".ws-clocks")).to_contain_text("OLA Xoserve")
    expect(page.locator(".ws-timeline")).to_contain_text("Assigned to Xoserve")

    # a work note, typed after the keyboard shortcut
    page.keyboard.press("c")
    page.keyboard.type("Xoserve confirm a bad deploy; rolling back")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".ws-timeline")).to_contain_text("rolling back")

    # resolve: the button does nothing until the confirmation is ticked
    page.keyboard.press("r")
    page.get_by_label("Resolution code").select_option(label="Fixed")
    page.get_by_label("Resolution notes").fill("Xoserve rolled the deploy back")
    page.get_by_role("button", name="Resolve", exact=True).click()
    assert Incident.objects.get(pk=sev1.pk).status == "in_progress"
    page.get_by_label(f"Yes, resolve {sev1.reference}").check()
    page.get_by_role("button", name="Resolve", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text(f"{sev1.reference} resolved (Fixed)")
    expect(page.locator(".ws-status")).to_have_text("Resolved")
    assert Incident.objects.get(pk=sev1.pk).status == "resolved"
    # only the lifecycle's next moves remain
    moves = page.locator(".ws-actions summary").all_inner_texts()
    assert [m.split()[0] for m in moves[:2]] == ["Reopen", "Close"]


def test_home_counts_update_without_a_reload(live_server, page, desk_agent, supplier_user,
                                            service):
    sign_in_with_code(page, live_server.url, desk_agent)
    expect(count_of(page, "open")).to_have_text("0")
    IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                    services=[service], severity=2)
    # the panel polls every 15 s: the new incident shows with no navigation
    expect(count_of(page, "open")).to_have_text("1", timeout=25000)
    assert page.url == f"{live_server.url}/admin/"


def test_incident_list_shows_time_to_breach_at_1280_and_no_cross_for_normal_incidents(
        live_server, page, desk_agent, sev1):
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in_with_code(page, live_server.url, desk_agent)
    page.goto(f"{live_server.url}/admin/incidents/incident/?queue=open")
    header = page.get_by_role("columnheader", name="Time to breach")
    expect(header).to_be_in_viewport()
    box = header.bounding_box()
    assert box["x"] + box["width"] <= 1280
    assert page.locator("#result_list img[src*='icon-no']").count() == 0
    # the row opens the workspace, not the stock change form
    page.get_by_role("link", name=sev1.reference).click()
    expect(page).to_have_url(re.compile(rf"/admin/workspace/incident/{sev1.reference}/"))


def test_desk_assigns_one_outage_to_two_providers_and_completes_one(
        live_server, page, desk_agent, sev1, provider_org, other_provider_org):
    OlaTargetFactory(resolver_group=provider_org, severity=1, resolution_amount=2,
                     resolution_unit="hours")
    OlaTargetFactory(resolver_group=other_provider_org, severity=1, resolution_amount=4,
                     resolution_unit="hours")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_with_code(page, live_server.url, desk_agent)
    page.goto(f"{live_server.url}/admin/workspace/incident/{sev1.reference}/")
    tasks = page.locator(".ws-tasks")

    for group, note, open_now in (("Xoserve", "CSS adapter rejects requests", 1),
                                  ("Gemserv", "DSP side of the same fault", 2)):
        page.get_by_label("Group for the new task").select_option(label=group)
        page.get_by_label("What to do").fill(note)
        page.get_by_role("button", name="Add task").click()
        expect(page.locator(".messagelist")).to_contain_text(
            # "14:30", or "00:45 on 02 Dec" when the OLA runs past midnight
            re.compile(rf"{sev1.reference}: task added for {group}; OLA due \d\d:\d\d"
                       rf"( on \d\d [A-Z][a-z]{{2}})?\. {open_now} provider tasks? open\."))
    # both clocks run in the header; the task due last holds up restoration
    expect(page.locator(".ws-clocks")).to_contain_text("OLA Xoserve")
    expect(page.locator(".ws-clocks")).to_contain_text("OLA Gemserv")
    expect(tasks.get_by_role("row", name=re.compile("Gemserv"))).to_contain_text(
        "holds up restoration")

    # Gemserv finish first; Xoserve is then the one restoration waits for
    form = page.locator("form", has=page.get_by_role("button", name="Apply"))
    form.get_by_label("Task").select_option(label="Gemserv")
    form.get_by_label("Action").select_option(label="Complete")
    form.get_by_label("Outcome or reason").fill("DSP queue drained")
    form.get_by_role("button", name="Apply").click()
    expect(page.locator(".messagelist")).to_contain_text(
        f"Gemserv's task on {sev1.reference} completed; its OLA clock stopped.")
    expect(tasks.get_by_role("row", name=re.compile("Xoserve"))).to_contain_text(
        "holds up restoration")
    expect(page.locator(".ws-clocks")).not_to_contain_text("OLA Gemserv")
    assert [t.resolver_group.name for t in sev1.tasks.open()] == ["Xoserve"]


def test_desk_makes_a_master_and_the_child_follows_it(live_server, page, desk_agent, sev1,
                                                       supplier_user, service):
    child = IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                            services=[service], severity=2, title="Our switches fail too")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_with_code(page, live_server.url, desk_agent)
    page.goto(f"{live_server.url}/admin/workspace/incident/{sev1.reference}/")
    page.get_by_label("References").fill(f"{child.reference} INC-999999")
    page.get_by_role("button", name="Gather under this incident").click()
    expect(page.locator(".messagelist")).to_contain_text("No incident INC-999999.")
    page.get_by_label("References").fill(child.reference)
    page.get_by_role("button", name="Gather under this incident").click()
    expect(page.locator(".messagelist")).to_contain_text(
        f"1 gathered under {sev1.reference}: {child.reference}.")
    expect(page.locator(".ws-badges")).to_contain_text("Master of 1 incident")

    # the child's workspace names its master and offers to unlink, with a reason
    page.get_by_role("link", name=child.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(child.reference)
    expect(page.locator(".ws-badges")).to_contain_text(f"Follows master {sev1.reference}")
    expect(page.get_by_role("button", name="Unlink")).to_be_visible()
    assert Incident.objects.get(pk=child.pk).master_id == sev1.pk


def test_the_communication_form_follows_the_kind_until_the_agent_edits_it(
        live_server, page, desk_agent, sev1):
    """The message starts from the update draft; choosing 'Workaround' puts the workaround
    draft in; once the agent has typed, another kind leaves the text alone. Sent, it is
    the incident's communication."""
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_with_code(page, live_server.url, desk_agent)
    page.goto(f"{live_server.url}/admin/workspace/incident/{sev1.reference}/")
    form = page.locator("form", has=page.get_by_role("button", name="Send"))
    message, kind = form.get_by_label("Message"), form.get_by_label("Kind")
    expect(message).to_have_value(re.compile(rf"^Update on {sev1.reference}"))
    kind.select_option(label="Workaround")
    expect(message).to_have_value(re.compile(rf"A workaround is available for {sev1.reference}"))
    message.fill("Send switch requests through the DCC adapter until 14:00.")
    kind.select_option(label="Update")
    expect(message).to_have_value("Send switch requests through the DCC adapter until 14:00.")
    kind.select_option(label="Workaround")
    form.get_by_role("button", name="Send").click()
    expect(page.locator(".messagelist")).to_be_visible()
    sent = sev1.communications.get(kind="workaround")
    assert sent.body == "Send switch requests through the DCC adapter until 14:00."
