"""The multi-party parts through the portal, the console and the API, as each party sees them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import communications, major_incidents, masters, provider_tasks
from incidents.factories import IncidentFactory
from incidents.models import AffectedOrganisation, Communication, Incident, MasterLink

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def outage(desk_agent, service):
    return IncidentFactory(organisation=desk_agent.organisation, raised_by=desk_agent,
                           severity=1, services=[service], title="CSS Registration down")


def test_a_provider_sees_only_its_own_tasks_in_the_api(api_client, outage, desk_agent,
                                                       provider_org, other_provider_org,
                                                       provider_user, other_provider_user):
    mine = provider_tasks.add_task(incident=outage, resolver_group=provider_org, by=desk_agent)
    theirs = provider_tasks.add_task(incident=outage, resolver_group=other_provider_org,
                                     by=desk_agent)
    client = api_client(provider_user)
    listed = client.get(f"{API}/provider-tasks/").json()["results"]
    assert [t["id"] for t in listed] == [mine.pk]
    assert client.get(f"{API}/provider-tasks/{theirs.pk}/").status_code == 404
    assert client.post(f"{API}/provider-tasks/{theirs.pk}/complete/", {}).status_code == 404
    detail = client.get(f"{API}/incidents/{outage.reference}/").json()
    assert [t["resolver_group"] for t in detail["tasks"]] == [provider_org.short_code]
    assert api_client(desk_agent).get(f"{API}/provider-tasks/").json()["count"] == 2


def test_a_provider_works_its_task_through_the_api_and_a_retry_changes_nothing(
        api_client, outage, desk_agent, provider_org, other_provider_org, provider_user):
    task = provider_tasks.add_task(incident=outage, resolver_group=provider_org, by=desk_agent)
    client = api_client(provider_user)
    assert client.post(f"{API}/provider-tasks/{task.pk}/start/").json()["status"] == "in_progress"
    note = client.post(f"{API}/provider-tasks/{task.pk}/notes/", {"body": "Failover at 10:05"})
    assert note.status_code == 201
    headers = {"HTTP_IDEMPOTENCY_KEY": "hand-over-1"}
    body = {"to": other_provider_org.short_code, "reason": "DSP fault"}
    first = client.post(f"{API}/provider-tasks/{task.pk}/hand-over/", body, **headers)
    again = client.post(f"{API}/provider-tasks/{task.pk}/hand-over/", body, **headers)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert outage.tasks.count() == 2
    assert client.post(f"{API}/provider-tasks/{task.pk}/reject/", {}).status_code in (400, 404)


def test_the_desk_adds_a_parallel_task_and_bad_input_is_400(api_client, outage, desk_agent,
                                                            provider_org, supplier_user):
    url = f"{API}/incidents/{outage.reference}/tasks/"
    desk = api_client(desk_agent)
    assert desk.post(url, {"resolver_group": "nobody"}).status_code == 400
    assert desk.post(url, {"resolver_group": provider_org.short_code}).status_code == 201
    assert desk.post(url, {"resolver_group": provider_org.short_code}).status_code == 409


def test_the_desk_gathers_children_through_the_api(api_client, outage, desk_agent,
                                                   make_incident, supplier_user):
    one, two = make_incident(severity=1), make_incident(severity=2)
    desk = api_client(desk_agent)
    answer = desk.post(f"{API}/incidents/{outage.reference}/children/",
                       {"children": [one.reference, two.reference, outage.reference]},
                       format="json").json()
    assert answer["linked"] == [one.reference, two.reference]
    assert list(answer["refused"]) == [outage.reference]
    listed = api_client(supplier_user).get(f"{API}/incidents/{one.reference}/").json()
    assert listed["master"] == outage.reference
    unlink = desk.post(f"{API}/incidents/{two.reference}/unlink/", {"reason": "Not CSS"})
    assert unlink.status_code == 201 and MasterLink.objects.filter(action="unlinked").exists()
    assert api_client(supplier_user).post(
        f"{API}/incidents/{one.reference}/unlink/", {"reason": "x"}).status_code == 403


def test_a_participant_reads_its_childs_master_communications_through_the_api(
        api_client, outage, desk_agent, make_incident, supplier_user, other_supplier_user):
    child = make_incident(severity=1)
    masters.link_child(master=outage, child=child, by=desk_agent)
    desk = api_client(desk_agent)
    sent = desk.post(f"{API}/incidents/{outage.reference}/communications/",
                     {"kind": "workaround", "body": "Resubmit after 10:00"})
    assert sent.status_code == 201
    rows = api_client(supplier_user).get(
        f"{API}/incidents/{child.reference}/communications/").json()
    assert [r["body"] for r in rows] == ["Resubmit after 10:00"]
    assert api_client(supplier_user).post(
        f"{API}/incidents/{child.reference}/communications/",
        {"kind": "update", "body": "x"}).status_code == 403


def test_the_raise_form_offers_to_join_the_open_major_incident(client, outage, supplier_user,
                                                               service):
    client.force_login(supplier_user)
    form = {"title": "Cannot switch", "description": "All our switch requests rejected",
            "services": [service.pk], "severity": 1}
    page = client.post("/incidents/raise/", form)
    assert page.status_code == 200
    assert f"has an open incident {outage.reference}" in page.content.decode()
    assert Incident.objects.count() == 1  # nothing raised yet
    joined = client.post(f"/incidents/join/{outage.reference}/",
                         {"impact": "All our switch requests rejected"})
    assert joined.status_code == 302
    assert AffectedOrganisation.objects.get().organisation == supplier_user.organisation
    assert outage.reference in client.get("/incidents/joined/").content.decode()
    # or raise it after all
    raised = client.post("/incidents/raise/", {**form, "raise_anyway": "on"})
    assert raised.status_code == 302 and Incident.objects.count() == 2


def test_a_provider_works_its_task_in_the_portal(client, outage, desk_agent, provider_org,
                                                 provider_user, other_provider_user):
    task = provider_tasks.add_task(incident=outage, resolver_group=provider_org, by=desk_agent)
    client.force_login(provider_user)
    assert outage.reference in client.get("/incidents/tasks/").content.decode()
    client.post(f"/incidents/tasks/{task.pk}/act/", {"action": "complete",
                                                     "text": "Queue drained"})
    task.refresh_from_db()
    assert task.status == "completed"
    client.force_login(other_provider_user)
    assert client.get(f"/incidents/tasks/{task.pk}/").status_code == 404


def test_the_console_gathers_in_bulk_and_sends_a_communication(
        client, outage, desk_agent, make_incident):
    one, two = make_incident(severity=1), make_incident(severity=1)
    client.force_login(desk_agent)
    client.post("/admin/incidents/incident/", {
        "action": "link_to_master_selected", "_selected_action": [one.pk, two.pk, outage.pk],
        "master_reference": outage.reference})
    assert set(outage.children.all()) == {one, two}
    page = client.get(f"/admin/incidents/incident/{outage.pk}/change/")
    assert b"Children (2)" in page.content
    client.post(f"/admin/incidents/incident/{outage.pk}/act/communicate/",
                {"kind": "update", "body": "Failover under way"})
    assert Communication.objects.filter(incident=outage, kind="update").exists()


def test_a_communication_sent_without_a_body_is_the_kinds_template_draft(
        api_client, outage, desk_agent):
    url = f"{API}/incidents/{outage.reference}/communications/"
    desk = api_client(desk_agent)
    omitted = desk.post(url, {"kind": "workaround"})
    empty = desk.post(url, {"kind": "update", "body": "  "})
    assert omitted.status_code == empty.status_code == 201
    assert omitted.json()["body"] == communications.draft(outage, "workaround")
    assert omitted.json()["body"].startswith(f"A workaround is available for {outage.reference}")
    assert empty.json()["body"].startswith(f"Update on {outage.reference}:")
    written = desk.post(url, {"kind": "update", "body": "Failover under way"})
    assert written.json()["body"] == "Failover under way"


def test_the_incident_detail_says_which_task_holds_up_restoration(
        api_client, outage, desk_agent, provider_org, other_provider_org, provider_user,
        other_provider_user, supplier_user):
    soon = timezone.now() + timedelta(hours=1)
    provider_tasks.add_task(incident=outage, resolver_group=provider_org, by=desk_agent,
                            due_at=soon)
    provider_tasks.add_task(incident=outage, resolver_group=other_provider_org, by=desk_agent,
                            due_at=soon + timedelta(hours=2))  # due last: restoration waits
    url = f"{API}/incidents/{outage.reference}/"
    tasks = api_client(desk_agent).get(url).json()["tasks"]
    assert {t["resolver_group"]: t["holds_up_restoration"] for t in tasks} == {
        provider_org.short_code: False, other_provider_org.short_code: True}
    # each provider is told about its own task, judged among all the open ones
    assert [t["holds_up_restoration"] for t in
            api_client(provider_user).get(url).json()["tasks"]] == [False]
    assert [t["holds_up_restoration"] for t in
            api_client(other_provider_user).get(url).json()["tasks"]] == [True]


def test_staff_read_the_major_incidents_communication_plan_in_the_api(
        api_client, outage, desk_agent, provider_user):
    url = f"{API}/incidents/{outage.reference}/"
    assert api_client(desk_agent).get(url).json()["communication_plan"] is None  # not major
    major_incidents.declare_major(incident=outage, by=desk_agent, manager=desk_agent,
                                  summary="CSS Registration is down.")
    sent = Communication.objects.filter(incident=outage).latest("at")
    plan = api_client(desk_agent).get(url).json()["communication_plan"]
    assert plan["cadence_minutes"] == 30 and plan["last_update_by"] == desk_agent.username
    assert plan["next_update_due_at"] == (sent.at + timedelta(minutes=30)).isoformat(
        ).replace("+00:00", "Z")
    assert plan["last_update_at"] == sent.at.isoformat().replace("+00:00", "Z")
    provider_tasks.add_task(incident=outage, resolver_group=provider_user.organisation,
                            by=desk_agent)
    assert api_client(provider_user).get(url).json()["communication_plan"] is None


def test_the_incident_detail_query_count_does_not_grow_with_tasks_or_communications(
        api_client, outage, desk_agent, provider_org, other_provider_org,
        django_assert_max_num_queries):
    major_incidents.declare_major(incident=outage, by=desk_agent, manager=desk_agent,
                                  summary="CSS Registration is down.")
    url = f"{API}/incidents/{outage.reference}/"
    desk = api_client(desk_agent)
    provider_tasks.add_task(incident=outage, resolver_group=provider_org, by=desk_agent)
    desk.get(url)  # per-process look-ups (the catalogue, the SLA policy) are read once
    with django_assert_max_num_queries(12) as few:
        desk.get(url)
    provider_tasks.add_task(incident=outage, resolver_group=other_provider_org, by=desk_agent)
    for n in range(3):
        communications.publish(incident=outage, by=desk_agent, kind="update", body=f"U{n}")
    with django_assert_max_num_queries(len(few)):
        assert len(desk.get(url).json()["tasks"]) == 2


def test_a_participant_joins_an_open_major_incident_through_the_api_once(
        api_client, outage, supplier_user, service):
    client = api_client(supplier_user)
    listed = client.get(f"{API}/joinable-incidents/?services={service.code}").json()
    assert [row["reference"] for row in listed["results"]] == [outage.reference]
    url = f"{API}/joinable-incidents/{outage.reference}/join/"
    joined = client.post(url, {"impact": "1,200 switch requests rejected"})
    assert joined.status_code == 201
    assert joined.json()["organisation"] == supplier_user.organisation.short_code
    row = AffectedOrganisation.objects.get(incident=outage)
    assert (row.organisation, row.impact) == (supplier_user.organisation,
                                              "1,200 switch requests rejected")
    again = client.post(url, {"impact": "Still rejected"})
    assert again.status_code == 409 and "already joined" in again.json()["error"]["message"]
    assert AffectedOrganisation.objects.count() == 1


def test_a_provider_cannot_join_an_incident_through_the_api(api_client, outage, provider_user,
                                                            service):
    client = api_client(provider_user)
    assert client.get(f"{API}/joinable-incidents/?services={service.code}").json()[
        "results"] == []
    answer = client.post(f"{API}/joinable-incidents/{outage.reference}/join/",
                         {"impact": "We are affected too"})
    assert answer.status_code == 403 and not AffectedOrganisation.objects.exists()


def test_a_childs_portal_page_shows_its_masters_status_and_cascaded_update(
        client, outage, desk_agent, make_incident, other_supplier_user,
        django_capture_on_commit_callbacks):
    child = make_incident(severity=1)
    masters.link_child(master=outage, child=child, by=desk_agent)
    with django_capture_on_commit_callbacks(execute=True):
        communications.publish(incident=outage, by=desk_agent, kind="update",
                               body="CSS database failover under way; next update 10:30")
    client.force_login(child.raised_by)
    page = client.get(f"/incidents/{child.reference}/").content.decode()
    assert f"follows master incident <strong>{outage.reference}</strong>, which is new" in page
    assert "CSS database failover under way; next update 10:30" in page
    client.force_login(other_supplier_user)
    assert client.get(f"/incidents/{child.reference}/").status_code == 404
