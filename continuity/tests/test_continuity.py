"""Continuity plans, DR tests and the Crisis Management Team step of a BCDR invocation."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.factories import UserFactory
from continuity import services
from continuity.errors import InvalidTransition, NotAllowed
from continuity.models import (
    ContinuityContact,
    ContinuityPlan,
    CrisisInvocation,
    CrisisTeamMember,
    RecoveryAction,
)
from incidents import major_incidents
from incidents import services as incident_services
from incidents.errors import InvalidTransition as IncidentInvalidTransition
from incidents.models import Incident
from notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(service):
    plan = ContinuityPlan.objects.create(
        service=service, title="UK Link continuity plan", rto_minutes=240, rpo_minutes=15,
        invocation_criteria="Primary site lost", recovery_procedure="Fail over to site B")
    ContinuityContact.objects.create(plan=plan, name="Xo DR lead", role="DR co-ordinator",
                                     phone="0207 946 0001")
    return plan


@pytest.fixture
def team(operations_user, desk_agent):
    lead = CrisisTeamMember.objects.create(user=operations_user, team_role="Crisis lead")
    comms = CrisisTeamMember.objects.create(user=desk_agent, team_role="Communications")
    CrisisTeamMember.objects.create(user=UserFactory(operations=True), team_role="Off rota",
                                    is_active=False)
    return [lead, comms]


@pytest.fixture
def incident(supplier_user, service, other_service):
    return incident_services.raise_incident(
        organisation=supplier_user.organisation, raised_by=supplier_user,
        title="Registrations failing everywhere", description="Data centre fire at UK Link.",
        services=[service, other_service], severity=1, channel="portal")


def _invoke(incident, by):
    return major_incidents.invoke_bcdr(incident=incident, by=by,
                                       summary="UK Link primary site lost.")


def test_bcdr_pages_each_member_on_call_and_opens_the_invocation_log(
        incident, desk_agent, plan, team, other_service, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        major = _invoke(incident, desk_agent)
    invocation = CrisisInvocation.objects.get(major_incident=major)
    pages = OutboundEmail.objects.filter(topic=services.PAGE_TOPIC)
    assert sorted(a for page in pages for a in page.to) == sorted(m.user.email for m in team)
    assert all("CRISIS" in page.subject and plan.title in page.body_text for page in pages)
    assert set(pages.values_list("status", flat=True)) == {"sent"}  # delivered after commit
    assert list(invocation.plans.all()) == [plan]
    kinds = [e.kind for e in invocation.log.all()]
    assert kinds == ["invoked", "plan", "plan", "paged"]
    assert f"{other_service.name} has no continuity plan" in invocation.log.get(
        kind="plan", text__contains="no continuity").text
    assert invocation.transitions.get().to_status == "active"


def test_declaring_a_major_incident_with_bcdr_starts_the_step_once(incident, desk_agent, team):
    major = major_incidents.declare_major(incident=incident, by=desk_agent, manager=desk_agent,
                                          summary="Site lost", bcdr_invoked=True)
    assert CrisisInvocation.objects.filter(major_incident=major).count() == 1
    with pytest.raises(IncidentInvalidTransition):
        _invoke(incident, desk_agent)
    assert OutboundEmail.objects.filter(topic=services.PAGE_TOPIC).count() == 2


def test_a_major_incident_without_bcdr_calls_no_team(incident, desk_agent, team):
    major_incidents.declare_major(incident=incident, by=desk_agent, manager=desk_agent,
                                  summary="Slow responses")
    assert not CrisisInvocation.objects.exists()
    assert not OutboundEmail.objects.filter(topic=services.PAGE_TOPIC).exists()


def test_with_nobody_on_call_the_log_says_so(incident, desk_agent):
    invocation = CrisisInvocation.objects.get(major_incident=_invoke(incident, desk_agent))
    assert "page by hand" in invocation.log.get(kind="paged").text


def test_the_log_is_kept_by_the_desk_and_closes_on_stand_down(incident, desk_agent,
                                                              provider_user, auditor_user):
    invocation = CrisisInvocation.objects.get(major_incident=_invoke(incident, desk_agent))
    services.add_log_entry(invocation=invocation, by=desk_agent, kind="decision",
                           text="Suspend switching for 2 hours")
    for user in (provider_user, auditor_user):
        with pytest.raises(NotAllowed):
            services.add_log_entry(invocation=invocation, by=user, text="x")
    with pytest.raises(InvalidTransition):
        services.add_log_entry(invocation=invocation, by=desk_agent, text="  ")
    services.stand_down(invocation=invocation, by=desk_agent, reason="Site B live")
    invocation.refresh_from_db()
    assert invocation.status == "stood_down" and invocation.stood_down_at
    with pytest.raises(InvalidTransition):
        services.add_log_entry(invocation=invocation, by=desk_agent, text="late note")
    with pytest.raises(InvalidTransition):
        services.stand_down(invocation=invocation, by=desk_agent, reason="again")


def test_a_dr_test_moves_last_tested_and_its_actions_reach_their_owners(plan, provider_user):
    owner = UserFactory(provider=True, organisation=provider_user.organisation)
    today = timezone.localdate()
    test = services.record_dr_test(
        plan=plan, by=provider_user, tested_on=today - timedelta(days=3), scenario="Site loss",
        result="issues", recovery_minutes=300, data_loss_minutes=10, findings="DNS manual",
        actions=[("Automate DNS", owner, today + timedelta(days=30))])
    plan.refresh_from_db()
    assert plan.last_tested_on == today - timedelta(days=3)
    assert test.met_rto is False and test.met_rpo is True
    assert [e.to for e in OutboundEmail.objects.filter(topic="continuity.action")] == [
        [owner.email]]
    services.record_dr_test(plan=plan, by=provider_user, tested_on=today - timedelta(days=90),
                            scenario="Older test", result="passed")
    plan.refresh_from_db()
    assert plan.last_tested_on == today - timedelta(days=3)  # an older test does not move it


def test_dr_test_rules(plan, provider_user, other_provider_user, supplier_user, desk_agent):
    today = timezone.localdate()
    for user in (other_provider_user, supplier_user, desk_agent):
        with pytest.raises(NotAllowed):
            services.record_dr_test(plan=plan, by=user, tested_on=today, scenario="x",
                                    result="passed")
    with pytest.raises(InvalidTransition, match="findings"):
        services.record_dr_test(plan=plan, by=provider_user, tested_on=today, scenario="x",
                                result="failed")
    with pytest.raises(InvalidTransition, match="before it has happened"):
        services.record_dr_test(plan=plan, by=provider_user, tested_on=today + timedelta(1),
                                scenario="x", result="passed")


def test_only_the_owner_or_operations_completes_an_action(plan, provider_user, operations_user,
                                                          other_provider_user):
    test = services.record_dr_test(plan=plan, by=operations_user, tested_on=date(2026, 1, 5),
                                   scenario="x", result="issues", findings="slow",
                                   actions=[("Fix", provider_user, date(2026, 2, 1))])
    action = test.actions.get()
    with pytest.raises(NotAllowed):
        services.complete_recovery_action(action=action, by=other_provider_user)
    services.complete_recovery_action(action=action, by=provider_user, note="Done")
    assert RecoveryAction.objects.get(pk=action.pk).status == "done"
    with pytest.raises(InvalidTransition):
        services.complete_recovery_action(action=action, by=operations_user)


# --- who sees what, on every channel ---------------------------------------------------
def test_a_provider_sees_only_its_own_services_plans(api_client, plan, provider_user,
                                                     other_provider_user, supplier_user,
                                                     auditor_user):
    assert [p["id"] for p in api_client(provider_user).get(
        "/api/v1/continuity/plans/").json()["results"]] == [plan.pk]
    assert [p["service"] for p in api_client(auditor_user).get(
        "/api/v1/continuity/plans/").json()["results"]] == ["uk-link"]
    for user in (other_provider_user, supplier_user):
        assert api_client(user).get("/api/v1/continuity/plans/").json()["results"] == []
        assert api_client(user).get(f"/api/v1/continuity/plans/{plan.pk}/").status_code == 404


def test_portal_plan_pages(client, plan, provider_user, other_provider_user, supplier_user):
    url = reverse("continuity:plan", args=[plan.pk])
    for user in (other_provider_user, supplier_user):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(provider_user)
    page = client.get(url)
    assert page.status_code == 200 and b"Xo DR lead" in page.content
    response = client.post(url, {"tested_on": "2026-11-02", "scenario": "Failover",
                                 "result": "failed", "findings": ""})
    assert response.status_code == 200 and b"findings" in response.content
    response = client.post(url, {"tested_on": "2026-11-02", "scenario": "Failover",
                                 "result": "passed", "recovery_minutes": 100})
    assert response.status_code == 302 and plan.tests.count() == 1
    assert b"UK Link continuity plan" in client.get(reverse("continuity:plans")).content


def test_api_records_a_dr_test_with_actions(api_client, plan, provider_user,
                                            other_provider_user, supplier_user):
    body = {"plan": plan.pk, "tested_on": "2026-11-20", "scenario": "Data centre loss",
            "result": "issues", "recovery_minutes": 95, "findings": "DNS switch was manual",
            "actions": [{"description": "Automate DNS", "owner": provider_user.username,
                         "due_on": "2027-01-31"}]}
    response = api_client(provider_user).post("/api/v1/continuity/dr-tests/", body,
                                              format="json", HTTP_IDEMPOTENCY_KEY="dr-1")
    assert response.status_code == 201, response.content
    assert response.json()["actions"][0]["owner"] == provider_user.username
    replay = api_client(provider_user).post("/api/v1/continuity/dr-tests/", body, format="json",
                                            HTTP_IDEMPOTENCY_KEY="dr-1")
    assert replay.status_code == 201 and plan.tests.count() == 1
    refused = api_client(other_provider_user).post("/api/v1/continuity/dr-tests/", body,
                                                   format="json")
    assert refused.status_code == 400 and "plan" in refused.json()["error"]["fields"]
    stranger = dict(body, actions=[{"description": "x", "owner": supplier_user.username,
                                    "due_on": "2027-01-31"}])
    bad = api_client(provider_user).post("/api/v1/continuity/dr-tests/", stranger,
                                         format="json")
    assert bad.status_code == 400 and "actions.0.owner" in bad.json()["error"]["fields"]
    bad = api_client(provider_user).post("/api/v1/continuity/dr-tests/",
                                         dict(body, result="meh"), format="json")
    assert bad.status_code == 400 and "result" in bad.json()["error"]["fields"]


def test_the_plan_is_shown_beside_the_major_incident(client, api_client, incident, desk_agent,
                                                     plan, provider_org, provider_user,
                                                     other_provider_user, supplier_user,
                                                     operations_user):
    incident_services.assign_incident(incident=incident, resolver_group=provider_org,
                                      by=desk_agent)
    invocation = CrisisInvocation.objects.get(major_incident=_invoke(incident, desk_agent))
    url = reverse("continuity:invocation", args=[invocation.pk])
    client.force_login(provider_user)
    page = client.get(url).content.decode()
    assert "UK Link primary site lost." in page and "Fail over to site B" in page
    client.force_login(other_provider_user)
    assert client.get(url).status_code == 404
    client.force_login(supplier_user)  # participants hear through major-incident updates
    assert client.get(url).status_code == 404
    body = api_client(provider_user).get(f"/api/v1/continuity/invocations/{invocation.pk}/")
    assert body.json()["plans"] == [plan.pk] and body.json()["incident"] == incident.reference
    client.force_login(operations_user)
    console = client.get(reverse("admin:continuity_crisisinvocation_change",
                                 args=[invocation.pk])).content.decode()
    assert "Fail over to site B" in console and "UK Link primary site lost." in console
    client.post(reverse("admin:continuity_crisisinvocation_log", args=[invocation.pk]),
                {"kind": "communication", "text": "Ofgem briefed"})
    assert invocation.log.filter(kind="communication", text="Ofgem briefed").exists()


def test_the_invocation_of_a_security_incident_is_hidden_with_it(
        incident, desk_agent, auditor_user, operations_user):
    Incident.objects.filter(pk=incident.pk).update(kind="security")
    invocation = CrisisInvocation.objects.get(major_incident=_invoke(incident, desk_agent))
    assert not CrisisInvocation.objects.visible_to(auditor_user).filter(pk=invocation.pk)
    assert CrisisInvocation.objects.visible_to(operations_user).filter(pk=invocation.pk)


def test_console_pages_open(client, operations_user, plan, team):
    client.force_login(operations_user)
    for name in ("continuityplan", "disasterrecoverytest", "recoveryaction",
                 "crisisteammember", "crisisinvocation"):
        assert client.get(f"/admin/continuity/{name}/").status_code == 200, name
    assert client.get(reverse("admin:continuity_continuityplan_change",
                              args=[plan.pk])).status_code == 200
    response = client.post("/admin/continuity/disasterrecoverytest/add/", {
        "plan": plan.pk, "tested_on": "2026-10-01", "scenario": "Console test",
        "result": "passed"})
    assert response.status_code == 302, response.content[:1500]
    assert plan.tests.get().scenario == "Console test"
