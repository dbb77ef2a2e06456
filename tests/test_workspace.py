"""The agent workspace in the console: home counts, the incident workspace page and its
actions, and who may reach them."""

import pytest
from django.urls import reverse

from accounts.factories import OrganisationFactory
from accounts.models import User
from incidents import services
from incidents.factories import IncidentFactory, OlaTargetFactory
from incidents.models import Incident
from knowledge import problems
from knowledge.factories import make_article
from knowledge.models import Article, Problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(supplier_user, service):
    return IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                           services=[service], severity=1,
                           title="Switch requests rejected for every supplier")


def page(incident):
    return reverse("admin:workspace_incident", args=[incident.reference])


def act(incident, action):
    return reverse("admin:workspace_incident_act", args=[incident.reference, action])


def flash(response):
    return [str(m) for m in response.context["messages"]]


# --- who may reach it ---------------------------------------------------------

def test_participants_and_providers_cannot_reach_the_workspace(client, supplier_user,
                                                               provider_user, incident):
    for user in (supplier_user, provider_user):
        client.force_login(user)
        for url in (reverse("admin:index"), reverse("admin:workspace_counts"), page(incident)):
            response = client.get(url)
            assert response.status_code == 302 and "/login/" in response.url, (user, url)
        response = client.post(act(incident, "move"), {"to": "in_progress"})
        assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "new"


def test_signed_out_visitor_is_sent_to_sign_in(client, incident):
    response = client.get(page(incident))
    assert response.status_code == 302 and "/login/" in response.url


def test_auditor_reads_the_workspace_but_gets_no_buttons_and_cannot_act(client, auditor_user,
                                                                        incident):
    client.force_login(auditor_user)
    response = client.get(page(incident))
    assert response.status_code == 200
    assert b"Next moves" not in response.content
    assert client.post(act(incident, "move"), {"to": "in_progress"}).status_code == 403
    assert client.post(act(incident, "take")).status_code == 403
    incident.refresh_from_db()
    assert incident.status == "new" and incident.assignee is None


def test_unknown_reference_is_404_and_unknown_action_is_refused(client, desk_agent, incident):
    client.force_login(desk_agent)
    assert client.get(reverse("admin:workspace_incident", args=["INC-999999"])).status_code \
        == 404
    assert client.post(act(incident, "delete-everything")).status_code == 403
    assert client.get(act(incident, "move")).status_code == 405


# --- the home ----------------------------------------------------------------

def test_home_counts_each_queue_and_held_mail(client, desk_agent, supplier_user, incident,
                                              service, provider_org):
    IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                    services=[service], severity=3)
    services.update_details(incident=incident, by=desk_agent, assignee=desk_agent)
    client.force_login(desk_agent)
    response = client.get(reverse("admin:index"))
    counts = {key: count for _label, count, _url, key in response.context["counts"]}
    assert counts["open"] == 2
    assert counts["unassigned"] == 2
    assert counts["mine"] == 1
    assert counts["breaching"] == 1  # the Sev1's response is due in 10 min; the Sev3's in 45
    assert counts["major"] == 0 and counts["held_mail"] == 0
    assert b'hx-get="/admin/workspace/counts/"' in response.content
    partial = client.get(reverse("admin:workspace_counts"))
    assert partial.status_code == 200 and b"Assigned to me" in partial.content
    assert b"<html" not in partial.content


def test_queue_is_sorted_by_urgency_not_reference(client, desk_agent, supplier_user, service):
    later = IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                            services=[service], severity=4)
    sooner = IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                             services=[service], severity=1)
    client.force_login(desk_agent)
    body = client.get(reverse("admin:incidents_incident_changelist") + "?queue=open").content
    assert body.index(sooner.reference.encode()) < body.index(later.reference.encode())
    # the row opens the workspace page, not the stock change form
    assert page(sooner).encode() in body


def test_workspace_queue_pages_sort_by_urgency_and_open_the_workspace(
        client, desk_agent, supplier_user, service):
    later = IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                            services=[service], severity=4)
    sooner = IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                             services=[service], severity=1)
    client.force_login(desk_agent)
    response = client.get(reverse("admin:workspace_queue", args=["open"]))
    assert [row[0] for row in response.context["rows"]] == [sooner, later]
    assert page(sooner).encode() in response.content
    assert response.context["rows"][0][1][1] is True  # due within 30 min: marked urgent
    assert client.get(reverse("admin:workspace_queue", args=["nonsense"])).status_code == 404
    response = client.get(reverse("admin:workspace_queue", args=["breached"]))
    assert response.context["rows"] == []


def test_queue_flags_only_major_incidents(client, desk_agent, incident):
    client.force_login(desk_agent)
    body = client.get(reverse("admin:incidents_incident_changelist") + "?queue=open").content
    assert b"icon-no.svg" not in body and b"MAJOR" not in body
    services.transition_incident(incident=incident, by=desk_agent, to="in_progress")
    from incidents import major_incidents
    major_incidents.declare_major(incident=incident, by=desk_agent, manager=desk_agent,
                                  summary="All switches failing")
    body = client.get(reverse("admin:incidents_incident_changelist") + "?queue=open").content
    assert b"MAJOR" in body


# --- the incident page -------------------------------------------------------

def test_new_incident_offers_only_the_moves_its_lifecycle_allows(client, desk_agent, incident):
    client.force_login(desk_agent)
    response = client.get(page(incident))
    labels = [move.label for move in response.context["moves"]]
    assert labels == ["Respond (start work)", "Put on hold", "Resolve", "Cancel incident"]
    assert b"Close" not in b"".join(m.label.encode() for m in response.context["moves"])
    body = response.content.decode()
    assert "Response" in body and "left" in body and "Resolution" in body
    assert "Brightwater Energy" in body and "Unassigned" in body
    # no move defaults to Cancelled: each is its own button and form
    assert 'name="to" value="cancelled"' in body and "<select id=\"ws-to\"" not in body


def test_resolved_incident_offers_reopen_and_close(client, desk_agent, incident):
    services.transition_incident(incident=incident, by=desk_agent, to="resolved",
                                 resolution_code="fixed", resolution_notes="Restarted")
    client.force_login(desk_agent)
    labels = [move.label for move in client.get(page(incident)).context["moves"]]
    assert labels == ["Reopen", "Close"]


def test_respond_says_what_changed(client, desk_agent, incident):
    client.force_login(desk_agent)
    response = client.post(act(incident, "move"), {"to": "in_progress"}, follow=True)
    incident.refresh_from_db()
    assert incident.status == "in_progress"
    assert flash(response)[0].startswith(f"{incident.reference} is in progress; resolution due")


def test_resolve_needs_the_confirmation_tick(client, desk_agent, incident):
    client.force_login(desk_agent)
    data = {"to": "resolved", "resolution_code": "fixed", "reason": "Restarted the adapter"}
    response = client.post(act(incident, "move"), data, follow=True)
    assert flash(response) == ["Tick the box to confirm: resolve the incident."]
    incident.refresh_from_db()
    assert incident.status == "new"
    response = client.post(act(incident, "move"), {**data, "confirm": "on"}, follow=True)
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert flash(response) == [f"{incident.reference} resolved (Fixed); the raiser is asked to "
                               "confirm."]


def test_cancel_needs_a_tick_and_a_reason(client, desk_agent, incident):
    client.force_login(desk_agent)
    response = client.post(act(incident, "move"), {"to": "cancelled", "reason": "Raised in error"},
                           follow=True)
    assert flash(response) == ["Tick the box to confirm: cancel the incident."]
    incident.refresh_from_db()
    assert incident.status == "new"
    response = client.post(act(incident, "move"), {"to": "cancelled", "confirm": "on"},
                           follow=True)
    assert "Say why" in flash(response)[0]
    client.post(act(incident, "move"), {"to": "cancelled", "confirm": "on",
                                        "reason": "Raised in error"})
    incident.refresh_from_db()
    assert incident.status == "cancelled"


def test_move_the_lifecycle_refuses_is_a_message_not_a_500(client, desk_agent, incident):
    client.force_login(desk_agent)
    response = client.post(act(incident, "move"), {"to": "closed", "confirm": "on"},
                           follow=True)
    assert response.status_code == 200
    assert "cannot be moved to closed" in flash(response)[0]
    response = client.post(act(incident, "move"), {"to": "nonsense"}, follow=True)
    assert flash(response) == ["That is not a status."]


def test_assign_names_the_group_and_its_ola_due_time(client, desk_agent, incident, provider_org):
    OlaTargetFactory(resolver_group=provider_org, severity=1, resolution_amount=2,
                     resolution_unit="hours")
    client.force_login(desk_agent)
    response = client.post(act(incident, "assign"), {"resolver_group": provider_org.pk},
                           follow=True)
    leg = incident.tasks.get()
    assert leg.ola_due_at is not None
    assert flash(response)[0].startswith(f"{incident.reference} assigned to Xoserve; OLA due ")
    body = response.content.decode()
    assert "Provider tasks" in body and "OLA Xoserve" in body


def test_assign_to_a_market_participant_is_refused(client, desk_agent, incident, supplier_org):
    client.force_login(desk_agent)
    response = client.post(act(incident, "assign"), {"resolver_group": supplier_org.pk},
                           follow=True)
    assert flash(response) == ["That is not an active resolver group."]
    assert not incident.tasks.exists()


def test_take_makes_the_agent_the_assignee(client, desk_agent, incident):
    client.force_login(desk_agent)
    response = client.post(act(incident, "take"), follow=True)
    incident.refresh_from_db()
    assert incident.assignee == desk_agent
    assert flash(response) == [f"{incident.reference} is now assigned to you."]


def test_severity_change_names_the_new_due_times(client, desk_agent, incident):
    client.force_login(desk_agent)
    response = client.post(act(incident, "severity"), {"severity": 2, "reason": "Fewer hit"},
                           follow=True)
    incident.refresh_from_db()
    assert incident.severity == 2
    assert flash(response)[0].startswith(f"{incident.reference} is now Sev2; response due ")
    response = client.post(act(incident, "severity"), {"severity": 2}, follow=True)
    assert flash(response) == ["Choose a severity and give a reason."]


def test_work_note_and_public_comment_show_in_one_timeline(client, desk_agent, incident):
    client.force_login(desk_agent)
    response = client.post(act(incident, "comment"), {"body": "Checked the logs"}, follow=True)
    assert flash(response) == [f"Work note added to {incident.reference} (staff only)."]
    response = client.post(act(incident, "comment"), {"body": "We are on it", "public": "on"},
                           follow=True)
    assert flash(response) == [f"Public comment added to {incident.reference}; the raiser sees it."]
    client.post(act(incident, "move"), {"to": "in_progress"})
    timeline = client.get(page(incident)).context["timeline"]
    kinds = [entry.kind for entry in timeline]
    assert {"work_note", "comment", "transition", "message"} <= set(kinds)
    assert timeline[0].at >= timeline[-1].at  # newest first
    assert any("Email to" in entry.text for entry in timeline)


def test_declare_major_and_send_an_update(client, desk_agent, incident):
    client.force_login(desk_agent)
    response = client.post(act(incident, "declare-major"),
                           {"manager": desk_agent.pk, "summary": "Switching is down"},
                           follow=True)
    incident.refresh_from_db()
    assert incident.is_major
    assert flash(response)[0].startswith(f"{incident.reference} declared a major incident")
    response = client.post(act(incident, "major-update"), {"body": "Fix deploying"},
                           follow=True)
    assert flash(response) == [f"Major incident update for {incident.reference} sent."]


def test_link_to_another_incident(client, desk_agent, incident, supplier_user, service):
    other = IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                            services=[service], severity=3)
    client.force_login(desk_agent)
    response = client.post(act(other, "link"), {"kind": "duplicate",
                                                "reference": incident.reference}, follow=True)
    assert flash(response) == [f"{other.reference} linked: duplicate of {incident.reference}."]
    timeline = client.get(page(incident)).context["timeline"]
    assert any(f"{other.reference} marked duplicate of" in entry.text for entry in timeline)


def test_create_problem_from_the_incident(client, desk_agent, incident, provider_org):
    client.force_login(desk_agent)
    response = client.post(act(incident, "create-problem"),
                           {"title": "Adapter drops messages", "owning_provider": provider_org.pk},
                           follow=True)
    problem = Problem.objects.get()
    assert flash(response) == [f"{problem.reference} created from {incident.reference}; "
                               "Xoserve investigates."]
    assert response.context["problem_links"][0].problem == problem
    response = client.post(act(incident, "create-problem"), {"title": "x"}, follow=True)
    assert flash(response) == ["Choose the provider who owns the investigation."]


def test_apply_a_known_errors_workaround(client, desk_agent, incident, service):
    article = make_article(title="Switch requests rejected: restart the adapter",
                           article_type=Article.Type.KNOWN_ERROR,
                           audience=Article.Audience.PARTICIPANTS, services_=[service])
    client.force_login(desk_agent)
    assert article in client.get(page(incident)).context["known_errors"]
    response = client.post(act(incident, "apply-workaround"), {"article": article.pk},
                           follow=True)
    assert flash(response) == [f"Workaround {article.reference} applied to {incident.reference} "
                               "and sent to the raiser."]
    assert article not in response.context["known_errors"]
    response = client.post(act(incident, "apply-workaround"), {"article": article.pk},
                           follow=True)
    assert "already been applied" in flash(response)[0]


def test_workspace_queries_do_not_grow_with_the_history(client, desk_agent, incident):
    """The page reads each kind of row once, however long the history: comments, tasks
    (each with its transitions), communications and messages add rows, never queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incidents import communications, provider_tasks

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page(incident)).status_code == 200
        sql = [query["sql"] for query in captured.captured_queries]
        for table in ("incidents_providertask", "incidents_communication"):
            assert sum(f'FROM "{table}"' in text for text in sql) == 1, table  # panels+timeline
        return len(sql)

    client.force_login(desk_agent)
    first = OrganisationFactory(provider=True, name="Xoserve", short_code="xoserve")
    services.assign_incident(incident=incident, resolver_group=first, by=desk_agent)
    services.add_comment(incident=incident, author=desk_agent, body="note", public=False)
    communications.publish(incident=incident, by=desk_agent, kind="update", body="First.")
    client.get(page(incident))
    baseline = queries()
    for i in range(15):
        services.add_comment(incident=incident, author=desk_agent, body=f"note {i}", public=False)
        communications.publish(incident=incident, by=desk_agent, kind="update", body=f"U{i}.")
    for n in range(3):
        group = OrganisationFactory(provider=True, name=f"Provider {n}", short_code=f"p{n}")
        provider_tasks.add_task(incident=incident, resolver_group=group, by=desk_agent)
    client.get(page(incident))  # new groups: the per-process list is read again, once
    # Open with tasks: the page also reads the tasks' transitions and matching known errors
    # (the managers and resolver groups come from the process's lists).
    assert queries() == baseline <= 15
    assert Incident.objects.count() == 1


def test_the_managers_offered_follow_joiners_leavers_and_role_changes_at_once(
        client, desk_agent, operations_user, incident, supplier_user):
    """The people an incident may be given to are kept per process (accounts.directory): a
    new agent, one switched off and one moved to another role show on the next view, in
    the workspace and in the stock change form; the form still refuses anyone else."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.factories import UserFactory

    client.force_login(desk_agent)
    change = reverse("admin:incidents_incident_change", args=[incident.pk])

    def offered():
        workspace = [person.username for person in client.get(page(incident)).context["managers"]]
        form = client.get(change).context["adminform"].form
        options = [label for value, label in form.fields["assignee"].choices if value]
        assert len(options) == len(workspace)  # the same people, by their names
        return workspace

    assert offered() == ["dana", "olu"]
    UserFactory(username="newcomer", desk=True)
    assert offered() == ["dana", "newcomer", "olu"]
    operations_user.role = "auditor"
    operations_user.save()
    assert offered() == ["dana", "newcomer"]
    leaver = User.objects.get(username="newcomer")
    leaver.is_active = False
    leaver.save()
    assert offered() == ["dana"]
    client.force_login(desk_agent)  # a sign-in stamps last_login only: the list is kept
    with CaptureQueriesContext(connection) as read:
        assert offered() == ["dana"]
    assert not [q for q in read.captured_queries
                if 'FROM "accounts_user"' in q["sql"] and '"role" IN' in q["sql"]]
    response = client.post(change, {"title": incident.title, "description": incident.description,
                                    "services": [s.pk for s in incident.services.all()],
                                    "assignee": supplier_user.pk})
    assert response.status_code == 200
    assert "assignee" in response.context["adminform"].form.errors
    incident.refresh_from_db()
    assert incident.assignee is None


def test_the_resolver_groups_offered_follow_onboarding_and_switching_off_at_once(
        client, desk_agent, incident):
    """The groups are kept per process (accounts.directory); a change shows on the next view."""
    client.force_login(desk_agent)
    offered = lambda: [group.name for group in  # noqa: E731
                       client.get(page(incident)).context["resolver_groups"]]
    assert "Gemserv" not in offered()
    gemserv = OrganisationFactory(provider=True, name="Gemserv", short_code="gemserv")
    assert "Gemserv" in offered()
    gemserv.is_active = False
    gemserv.save()
    assert "Gemserv" not in offered()


# --- service requests, change notifications, problems ------------------------------

def record_page(kind, record):
    return reverse("admin:workspace_record", args=[kind, record.pk])


def record_act(kind, record):
    return reverse("admin:workspace_record_act", args=[kind, record.pk])


def test_problem_is_created_from_the_ui_and_worked_in_its_workspace(client, desk_agent, incident,
                                                                    provider_org):
    client.force_login(desk_agent)
    form = client.get(reverse("admin:knowledge_problem_from_incidents"))
    assert form.status_code == 200
    response = client.post(reverse("admin:knowledge_problem_from_incidents"), {
        "incidents": incident.reference, "title": "Adapter drops messages",
        "owning_provider": provider_org.pk})
    problem = Problem.objects.get()
    assert response.url == record_page("problem", problem)
    sheet = client.get(response.url).context["sheet"]
    assert [m.action for m in sheet.moves] == ["investigate", "close"]
    assert [task[0] for task in sheet.tasks] == ["Xoserve"]
    assert sheet.links[0][1] == page(incident)
    response = client.post(record_act("problem", problem), {"action": "close"}, follow=True)
    assert flash(response) == ["Tick the box to confirm: close."]
    response = client.post(record_act("problem", problem), {"action": "investigate"},
                           follow=True)
    assert flash(response) == [f"{problem.reference} is now investigating."]
    response = client.post(record_act("problem", problem), {"action": "investigate"},
                           follow=True)
    assert flash(response) == ["That move is not open to you now."]


def test_record_workspaces_refuse_participants_providers_and_auditors(
        client, supplier_user, provider_user, auditor_user, desk_agent, incident, provider_org):
    problem = problems.create_problem(title="P", owning_provider=provider_org, by=desk_agent,
                                      incidents=[incident])
    for user in (supplier_user, provider_user):
        client.force_login(user)
        assert client.get(record_page("problem", problem)).status_code == 302
        assert client.post(record_act("problem", problem), {"action": "investigate"}) \
            .status_code == 302
    client.force_login(auditor_user)
    assert client.get(record_page("problem", problem)).context["sheet"].moves == []
    assert client.post(record_act("problem", problem), {"action": "investigate"}) \
        .status_code == 403
    problem.refresh_from_db()
    assert problem.status == "new"
    client.force_login(desk_agent)
    assert client.get(reverse("admin:workspace_record", args=["nothing", 1])).status_code == 404


def test_service_request_moves_from_its_workspace(client, desk_agent, supplier_user):
    from servicerequests.factories import raise_request

    service_request = raise_request(by=supplier_user)
    client.force_login(desk_agent)
    sheet = client.get(record_page("request", service_request)).context["sheet"]
    actions = [m.action for m in sheet.moves]
    assert "in_fulfilment" in actions and "cancelled" in actions and "closed" not in actions
    response = client.post(record_act("request", service_request), {"action": "in_fulfilment"},
                           follow=True)
    assert flash(response) == [f"{service_request.reference} is now in fulfilment."]
    response = client.post(record_act("request", service_request), {"action": "cancelled",
                                                                    "confirm": "on"}, follow=True)
    assert flash(response) == ["Cancel request: say why."]
    listing = client.get(reverse("admin:servicerequests_servicerequest_changelist")).content
    assert record_page("request", service_request).encode() in listing


def test_change_notification_moves_from_its_workspace(client, operations_user, provider_user):
    from changes.factories import ChangeNotificationFactory

    change = ChangeNotificationFactory(provider=provider_user.organisation, status="submitted",
                                       reference="CN-000001")
    client.force_login(operations_user)
    sheet = client.get(record_page("change", change)).context["sheet"]
    actions = [m.action for m in sheet.moves]
    assert "approve" in actions and "reject" in actions
    response = client.post(record_act("change", change), {"action": "reject", "confirm": "on"},
                           follow=True)
    assert flash(response) == ["Reject: say why."]
    response = client.post(record_act("change", change), {"action": "approve"}, follow=True)
    change.refresh_from_db()
    assert change.status == "approved"
    assert flash(response) == ["CN-000001 is now approved (scheduled)."]


# --- the multi-party side in the workspace --------------------------------------

def test_two_providers_work_at_once_and_the_one_holding_up_restoration_is_named(
        client, desk_agent, incident, provider_org, other_provider_org):
    OlaTargetFactory(resolver_group=provider_org, severity=1, resolution_amount=2,
                     resolution_unit="hours")
    OlaTargetFactory(resolver_group=other_provider_org, severity=1, resolution_amount=4,
                     resolution_unit="hours")
    client.force_login(desk_agent)
    first = client.post(act(incident, "add-task"), {"resolver_group": provider_org.pk,
                                                    "reason": "CSS adapter"}, follow=True)
    assert flash(first)[0].startswith(f"{incident.reference}: task added for Xoserve; OLA due ")
    assert flash(first)[0].endswith("1 provider task open.")
    second = client.post(act(incident, "add-task"), {"resolver_group": other_provider_org.pk},
                         follow=True)
    assert flash(second)[0].endswith("2 provider tasks open.")
    assert incident.tasks.open().count() == 2
    body = second.content.decode()
    assert "OLA Xoserve" in body and "OLA Gemserv" in body
    # both on time: restoration waits for the one due last (Gemserv, 4 hours)
    holding = [task.provider for task in second.context["tasks"] if task.holds_up]
    assert holding == ["Gemserv"]
    assert body.count("holds up restoration") == 1


def test_the_desk_completes_rejects_and_hands_on_tasks_from_the_workspace(
        client, desk_agent, incident, provider_org, other_provider_org):
    client.force_login(desk_agent)
    client.post(act(incident, "add-task"), {"resolver_group": provider_org.pk}, follow=True)
    task = incident.tasks.open().get()
    handed = client.post(act(incident, "task"), {"task": task.pk, "action": "hand_over",
                                                 "to": other_provider_org.pk,
                                                 "reason": "DSP side"}, follow=True)
    assert flash(handed) == [f"Xoserve's task on {incident.reference} handed over to Gemserv; "
                             "no OLA target."]
    new = incident.tasks.open().get()
    assert new.resolver_group == other_provider_org
    stale = client.post(act(incident, "task"), {"task": task.pk, "action": "complete"},
                        follow=True)
    assert flash(stale) == ["That task is no longer open."]
    rejected = client.post(act(incident, "task"), {"task": new.pk, "action": "reject",
                                                   "reason": "Not our system"}, follow=True)
    assert flash(rejected) == [f"Gemserv's task on {incident.reference} rejected back to the "
                               "desk."]
    assert not incident.tasks.open().exists()
    hand_nowhere = client.post(act(incident, "add-task"), {"resolver_group": ""}, follow=True)
    assert flash(hand_nowhere) == ["Choose a resolver group."]


def test_a_task_of_another_incident_cannot_be_worked_from_this_one(
        client, desk_agent, incident, supplier_user, service, provider_org):
    other = IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                            services=[service], severity=2)
    client.force_login(desk_agent)
    client.post(act(other, "add-task"), {"resolver_group": provider_org.pk}, follow=True)
    foreign = other.tasks.get()
    response = client.post(act(incident, "task"), {"task": foreign.pk, "action": "complete"},
                           follow=True)
    assert flash(response) == ["That task belongs to another incident."]
    assert other.tasks.open().count() == 1


def test_make_a_master_from_the_workspace_then_unlink_with_a_reason(
        client, desk_agent, incident, supplier_user, other_supplier_org, service):
    other_raiser = OrganisationFactory(name="Fenwick Gas", short_code="fenwick")
    children = [IncidentFactory(organisation=org, raised_by=supplier_user, services=[service],
                                severity=2) for org in (supplier_user.organisation, other_raiser)]
    refs = " ".join(child.reference for child in children)
    client.force_login(desk_agent)
    response = client.post(act(incident, "link-children"),
                           {"references": f"{refs} INC-999999"}, follow=True)
    assert flash(response) == ["No incident INC-999999."]
    response = client.post(act(incident, "link-children"), {"references": refs}, follow=True)
    assert flash(response) == [f"2 gathered under {incident.reference}: {refs.replace(' ', ', ')}."]
    assert set(incident.children.all()) == set(children)
    assert "Master of 2 incidents" in response.content.decode()
    child_page = client.get(page(children[0]))
    assert "Follows master" in child_page.content.decode()
    assert child_page.context["master"] == incident
    refused = client.post(act(children[0], "unlink"), {"reason": ""}, follow=True)
    assert flash(refused) == ["Say why the incident is being unlinked from its master."]
    unlinked = client.post(act(children[0], "unlink"), {"reason": "A different fault"},
                           follow=True)
    assert flash(unlinked) == [f"{children[0].reference} unlinked from {incident.reference}; it "
                               "is worked on its own again."]
    children[0].refresh_from_db()
    assert children[0].master is None


def test_gather_an_incident_under_a_master_from_the_child(client, desk_agent, incident,
                                                          supplier_user, service):
    child = IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                            services=[service], severity=3)
    client.force_login(desk_agent)
    response = client.post(act(child, "link-master"), {"master": incident.reference},
                           follow=True)
    assert flash(response) == [f"{child.reference} now follows master incident "
                               f"{incident.reference}; it will be resolved with it."]
    response = client.post(act(incident, "link-master"), {"master": "INC-404404"}, follow=True)
    assert flash(response) == ["No incident has that reference."]


def test_send_a_communication_from_the_workspace(client, desk_agent, incident):
    client.force_login(desk_agent)
    response = client.post(act(incident, "communicate"),
                           {"kind": "update", "body": "Failover under way"}, follow=True)
    assert flash(response) == [f"Update for {incident.reference} recorded; it is being sent "
                               "to every organisation it concerns."]
    assert [c.body for c in response.context["communications"]] == ["Failover under way"]
    response = client.post(act(incident, "communicate"), {"kind": "update", "body": ""},
                           follow=True)
    assert flash(response) == ["Write the message."]
