import pytest
from django.urls import reverse

from incidents import services
from incidents.models import CommunicationCadence, Incident, MajorIncident

from .conftest import london

pytestmark = pytest.mark.django_db
LIST = "/admin/incidents/incident/"


def _change(incident):
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def _act(incident, action):
    return reverse("admin:incidents_incident_act", args=[incident.pk, action])


def test_queue_page_with_every_filter(client, desk_agent, make_incident):
    make_incident(severity=1)
    client.force_login(desk_agent)
    for queue in ["", "unassigned", "mine", "my_group", "breaching", "breached", "major"]:
        response = client.get(f"{LIST}?queue={queue}" if queue else LIST)
        assert response.status_code == 200, queue
    assert b"INC-000001" in client.get(f"{LIST}?queue=breaching").content
    assert b"INC-000001" not in client.get(f"{LIST}?queue=major").content
    assert b"INC-000001" in client.get(f"{LIST}?q=INC-000001").content


def test_participants_and_providers_cannot_open_the_console(client, supplier_user,
                                                            provider_user, make_incident):
    incident = make_incident()
    for user in (supplier_user, provider_user):
        client.force_login(user)
        assert client.get(LIST).status_code == 302
        assert client.post(_act(incident, "transition"), {"to": "in_progress"}).status_code \
            == 302
    incident.refresh_from_db()
    assert incident.status == "new"


def test_detail_shows_sla_panel_timeline_and_legs(client, desk_agent, make_incident,
                                                  provider_org):
    incident = make_incident(severity=1)
    services.assign_incident(incident=incident, resolver_group=provider_org, by=desk_agent)
    client.force_login(desk_agent)
    page = client.get(_change(incident))
    assert page.status_code == 200
    assert b"Resolution" in page.content and b"Raised" in page.content
    assert b"Provider tasks" in page.content and b"Xoserve" in page.content
    workspace = reverse("admin:workspace_incident", args=[incident.reference])
    assert f'href="{workspace}"'.encode() in page.content


def test_workspace_transition_and_invalid_move_message(client, desk_agent, make_incident):
    incident = make_incident()
    client.force_login(desk_agent)
    client.post(_act(incident, "transition"), {"to": "in_progress"})
    incident.refresh_from_db()
    assert incident.status == "in_progress"
    response = client.post(_act(incident, "transition"), {"to": "closed"}, follow=True)
    assert b"cannot be moved to closed" in response.content
    assert client.get(_act(incident, "transition")).status_code == 405


def test_auditor_reads_but_cannot_act(client, auditor_user, make_incident):
    incident = make_incident()
    client.force_login(auditor_user)
    assert client.get(_change(incident)).status_code == 200
    assert client.post(_act(incident, "transition"), {"to": "in_progress"}).status_code == 403
    assert client.post(_act(incident, "replay")).status_code == 403


def test_only_operations_may_replay(client, desk_agent, operations_user, make_incident):
    incident = make_incident()
    client.force_login(desk_agent)
    assert client.post(_act(incident, "replay")).status_code == 403
    client.force_login(operations_user)
    response = client.post(_act(incident, "replay"), follow=True)
    assert b"SLA recomputed" in response.content


def test_bulk_assign_set_severity_and_resolve(client, desk_agent, make_incident, provider_org):
    first, second = make_incident(), make_incident()
    client.force_login(desk_agent)
    ids = [first.pk, second.pk]
    client.post(LIST, {"action": "assign_selected", "_selected_action": ids,
                       "resolver_group": provider_org.pk})
    assert set(Incident.objects.values_list("assigned_group", flat=True)) == {provider_org.pk}
    response = client.post(LIST, {"action": "set_severity_selected", "_selected_action": ids,
                                  "severity": 2}, follow=True)
    assert b"give a reason" in response.content
    client.post(LIST, {"action": "set_severity_selected", "_selected_action": ids,
                       "severity": 2, "reason": "Two suppliers hit"})
    assert set(Incident.objects.values_list("severity", flat=True)) == {2}
    response = client.post(LIST, {"action": "resolve_selected", "_selected_action": ids},
                           follow=True)
    assert b"resolution code" in response.content
    client.post(LIST, {"action": "resolve_selected", "_selected_action": ids,
                       "resolution_code": "fixed", "reason": "Patched"})
    assert set(Incident.objects.values_list("status", flat=True)) == {"resolved"}


def test_desk_records_a_phone_incident_in_the_console(client, desk_agent, supplier_user,
                                                      service, clock):
    clock.to(london(2026, 11, 27, 10, 0))
    client.force_login(desk_agent)
    response = client.post("/admin/incidents/incident/add/", {
        "organisation": supplier_user.organisation_id, "raised_by": supplier_user.pk,
        "channel": "phone", "title": "Caller reports rejections", "description": "By phone",
        "services": [service.pk], "severity": 1, "tasks-TOTAL_FORMS": 0})
    assert response.status_code == 302, response.content[:2000]
    incident = Incident.objects.get()
    assert incident.channel == "phone" and incident.reference == "INC-000001"
    assert incident.services.get() == service
    assert incident.response_due_at == london(2026, 11, 27, 10, 10)


def test_console_add_refuses_a_contact_from_another_organisation(client, desk_agent,
                                                                 supplier_user,
                                                                 other_supplier_user, service):
    client.force_login(desk_agent)
    response = client.post("/admin/incidents/incident/add/", {
        "organisation": supplier_user.organisation_id, "raised_by": other_supplier_user.pk,
        "channel": "phone", "title": "x", "description": "x", "services": [service.pk],
        "severity": 3})
    assert response.status_code == 200 and not Incident.objects.exists()


def test_declare_major_from_the_workspace(client, desk_agent, make_incident):
    incident = make_incident(severity=2)
    client.force_login(desk_agent)
    client.post(_act(incident, "declare-major"), {"manager": desk_agent.pk,
                                                  "summary": "CSS down"})
    major = MajorIncident.objects.get(incident=incident)
    incident.refresh_from_db()
    assert incident.is_major and incident.severity == 1 and major.review.owner == desk_agent


def test_editing_details_and_assignee_in_the_console(client, desk_agent, make_incident,
                                                     service):
    incident = make_incident()
    client.force_login(desk_agent)
    response = client.post(_change(incident), {
        "title": "Sharper title", "description": "Same", "services": [service.pk],
        "assignee": desk_agent.pk, "tasks-TOTAL_FORMS": 0, "tasks-INITIAL_FORMS": 0,
        "escalations-TOTAL_FORMS": 0, "escalations-INITIAL_FORMS": 0})
    assert response.status_code == 302, response.content[:3000]
    incident.refresh_from_db()
    assert (incident.title, incident.assignee) == ("Sharper title", desk_agent)
    assert b"INC-000001" in client.get(f"{LIST}?queue=mine").content


def test_linking_incidents_from_the_workspace(client, desk_agent, make_incident):
    first, second = make_incident(), make_incident()
    client.force_login(desk_agent)
    client.post(_act(first, "link"), {"kind": "related", "reference": second.reference})
    assert first.links_out.get().to_incident == second
    response = client.post(_act(first, "link"), {"kind": "related",
                                                 "reference": first.reference}, follow=True)
    assert b"linked to itself" in response.content
    workspace = reverse("admin:workspace_incident", args=[first.reference])
    assert b"Related to INC-000002" in client.get(workspace).content


def test_unknown_workspace_action_is_refused(client, desk_agent, make_incident):
    incident = make_incident()
    client.force_login(desk_agent)
    assert client.post(_act(incident, "explode")).status_code == 403


def test_held_email_marked_handled(client, desk_agent, auditor_user):
    from incidents.models import HeldEmail, InboundEmail

    inbound = InboundEmail.objects.create(message_id="<x@y>", sender="a@b", subject="Help",
                                          outcome="held")
    held = HeldEmail.objects.create(inbound=inbound, sender="a@b", subject="Help", body="?",
                                    why="Unknown sender")
    client.force_login(auditor_user)
    assert client.post("/admin/incidents/heldemail/", {
        "action": "mark_handled", "_selected_action": [held.pk]}).status_code in (302, 403)
    held.refresh_from_db()
    assert held.handled_at is None
    client.force_login(desk_agent)
    client.post("/admin/incidents/heldemail/", {"action": "mark_handled",
                                                "_selected_action": [held.pk]})
    held.refresh_from_db()
    assert held.handled_by == desk_agent


def test_pinned_sla_policy_cannot_be_edited(client, operations_user, make_incident):
    incident = make_incident()
    client.force_login(operations_user)
    url = reverse("admin:incidents_slapolicy_change", args=[incident.sla_policy.pk])
    page = client.get(url)
    assert page.status_code == 200 and b'name="_save"' not in page.content


def test_search_by_reference_number_or_title_words(client, desk_agent, make_incident):
    make_incident(title="Gas nominations missing")
    make_incident(title="Address search broken")
    client.force_login(desk_agent)
    assert b"INC-000002" in client.get(f"{LIST}?q=2").content
    page = client.get(f"{LIST}?q=nominations").content
    assert b"INC-000001" in page and b"INC-000002" not in page


@pytest.mark.parametrize("action,data,message", [
    ("assign", {"resolver_group": "abc"}, b"That is not an active resolver group."),
    ("severity", {"severity": "nine", "reason": "x"}, b"Severity must be 1, 2, 3 or 4."),
    ("transition", {"to": "sideways"}, b"That is not a status."),
    ("link", {"kind": "related", "reference": "INC-999999"}, b"No incident has that reference."),
    ("declare-major", {"manager": "", "summary": "Down"}, b"Choose the major incident manager."),
    ("major-update", {"body": "Still down"}, b"is not a major incident"),
])
def test_malformed_console_actions_are_messages_and_change_nothing(
        client, desk_agent, make_incident, action, data, message):
    incident = make_incident()
    client.force_login(desk_agent)
    response = client.post(_act(incident, action), data, follow=True)
    assert response.status_code == 200 and message in response.content
    incident.refresh_from_db()
    assert (incident.status, incident.severity, incident.assigned_group, incident.is_major) == (
        "new", 3, None, False)
    assert not incident.links_out.exists()


def _workspace(incident):
    return reverse("admin:workspace_incident", args=[incident.reference])


def test_operations_change_the_sev1_cadence_and_the_next_update_is_due_by_it(
        client, clock, operations_user, desk_agent, make_incident):
    clock.to(london(2026, 12, 1, 9, 0))
    sev1 = CommunicationCadence.objects.get(severity=1)
    client.force_login(operations_user)
    changed = client.post(reverse("admin:incidents_communicationcadence_change",
                                  args=[sev1.pk]), {"severity": 1, "minutes": 15})
    assert changed.status_code == 302
    incident = make_incident(severity=1)
    client.force_login(desk_agent)
    client.post(_act(incident, "declare-major"), {"manager": desk_agent.pk,
                                                  "summary": "CSS down"})
    incident.refresh_from_db()
    assert incident.communication_plan.next_update_due_at == london(2026, 12, 1, 9, 15)
    assert b"next update due 01 Dec 09:15" in client.get(_workspace(incident)).content


def test_desk_agents_read_the_cadences_and_participants_never_see_them(
        client, desk_agent, supplier_user):
    sev1 = CommunicationCadence.objects.get(severity=1)
    url = reverse("admin:incidents_communicationcadence_change", args=[sev1.pk])
    client.force_login(desk_agent)
    listing = client.get(reverse("admin:incidents_communicationcadence_changelist"))
    assert b"Select communication cadence to view" in listing.content  # read only
    assert client.post(url, {"severity": 1, "minutes": 5}).status_code == 403
    client.force_login(supplier_user)
    assert client.post(url, {"severity": 1, "minutes": 5}).status_code == 302  # to sign-in
    sev1.refresh_from_db()
    assert sev1.minutes == 30


def test_the_communication_form_starts_from_the_template_draft(client, desk_agent,
                                                               make_incident):
    incident = make_incident(severity=1)
    client.force_login(desk_agent)
    for page in (client.get(_workspace(incident)), client.get(_change(incident))):
        body = page.content.decode()
        textarea = body.split('id="mp-body"', 1)[1].split("</textarea>", 1)[0]
        assert f"Update on {incident.reference}: [what has been found" in textarea
        assert f"A workaround is available for {incident.reference}" in body  # its kind's draft


def test_the_console_adds_a_task_with_a_due_time_and_refuses_one_in_the_past(
        client, clock, desk_agent, make_incident, provider_org, other_provider_org):
    clock.to(london(2026, 12, 1, 9, 0))
    incident = make_incident(severity=1)
    client.force_login(desk_agent)
    past = client.post(_act(incident, "add-task"), {
        "resolver_group": provider_org.pk, "due_at": "2026-12-01T08:30"}, follow=True)
    assert past.status_code == 200 and b"The due time must be in the future." in past.content
    garbled = client.post(_act(incident, "add-task"), {
        "resolver_group": provider_org.pk, "due_at": "half past nine"}, follow=True)
    assert garbled.status_code == 200 and b"Give the due time as a date and time" in \
        garbled.content
    assert not incident.tasks.exists()
    added = client.post(_act(incident, "add-task"), {
        "resolver_group": provider_org.pk, "due_at": "2026-12-01T11:30"}, follow=True)
    assert b"due 11:30" in added.content
    assert incident.tasks.get().due == london(2026, 12, 1, 11, 30)
    client.post(_act(incident, "add-task"), {"resolver_group": other_provider_org.pk})
    assert incident.tasks.get(resolver_group=other_provider_org).due_at is None  # the OLA's
