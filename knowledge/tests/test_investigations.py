"""Providers' problem investigations: who sees and works them, through the portal, the API
and the console, and how a problem follows its fixing change (s.8.12, s.8.13)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.factories import OrganisationFactory, UserFactory
from changes.factories import ChangeImpactFactory, ChangeNotificationFactory
from changes.models import ChangeNotification
from knowledge import investigations, problems
from knowledge.errors import InvalidTransition
from knowledge.models import Problem, ProviderInvestigation

P = Problem.Status
C = ChangeNotification.Status


@pytest.fixture
def problem(desk_agent, provider_org, other_provider_org, provider_user, other_provider_user):
    return problems.create_problem(
        title="UK Link rejects confirmations with MPR00012", owning_provider=provider_org,
        contributing_providers=[other_provider_org], by=desk_agent)


@pytest.fixture
def owner_task(problem, provider_org):
    return problem.provider_tasks.get(provider=provider_org)


@pytest.fixture
def contributor_task(problem, other_provider_org):
    return problem.provider_tasks.get(provider=other_provider_org)


def _change(provider, **kwargs):
    """Return a draft change notification of `provider`, affecting one service."""
    change = ChangeNotificationFactory(provider=provider, **kwargs)
    ChangeImpactFactory(change_notification=change)
    return change


def _move(change, *statuses):
    """Walk a change through `statuses` with transition rows (as the changes app would)."""
    for status in statuses:
        change.transition(status, by=None, reason="test")


# --- who sees what ---------------------------------------------------------------
def test_a_provider_sees_only_its_own_investigation(problem, owner_task, contributor_task,
                                                    provider_user, other_provider_user,
                                                    supplier_user, desk_agent, auditor_user):
    assert list(ProviderInvestigation.objects.visible_to(provider_user)) == [owner_task]
    assert list(ProviderInvestigation.objects.visible_to(other_provider_user)) == [
        contributor_task]
    assert not ProviderInvestigation.objects.visible_to(supplier_user).exists()
    for staff in (desk_agent, auditor_user):
        assert set(ProviderInvestigation.objects.visible_to(staff)) == {owner_task,
                                                                       contributor_task}


def test_provider_portal_lists_only_its_own_and_another_providers_is_404(
        client, owner_task, contributor_task, provider_user):
    client.force_login(provider_user)
    page = client.get(reverse("knowledge:investigations"))
    assert page.status_code == 200
    assert reverse("knowledge:investigation", args=[owner_task.pk]).encode() in page.content
    assert reverse("knowledge:investigation", args=[contributor_task.pk]).encode() \
        not in page.content
    assert client.get(reverse("knowledge:investigation", args=[contributor_task.pk])
                      ).status_code == 404
    sneaky = client.post(reverse("knowledge:investigation_update", args=[contributor_task.pk]),
                         {"findings": "overwritten", "status": "concluded"})
    assert sneaky.status_code == 404
    contributor_task.refresh_from_db()
    assert contributor_task.findings == ""


def test_participants_never_reach_investigations(client, api_client, owner_task, supplier_user):
    client.force_login(supplier_user)
    assert client.get(reverse("knowledge:investigations")).status_code == 404
    assert client.get(reverse("knowledge:investigation", args=[owner_task.pk])).status_code == 404
    response = api_client(supplier_user).get("/api/v1/problem-investigations/")
    assert response.status_code == 200 and response.json()["count"] == 0


def test_api_lists_only_the_callers_investigations(token_client, provider_org, owner_task,
                                                   contributor_task):
    api = token_client(provider_org)
    listed = api.get("/api/v1/problem-investigations/").json()
    assert [row["id"] for row in listed["results"]] == [owner_task.pk]
    assert listed["results"][0]["problem"]["reference"] == owner_task.problem.reference
    assert api.get(f"/api/v1/problem-investigations/{contributor_task.pk}/").status_code == 404
    assert api.post(f"/api/v1/problem-investigations/{contributor_task.pk}/findings/",
                    {"findings": "x"}, format="json").status_code == 404


# --- the provider's work --------------------------------------------------------------
def test_assignment_emails_the_providers_people(desk_agent, provider_org, provider_user,
                                                mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        problem = problems.create_problem(title="ECOES address lag", owning_provider=provider_org,
                                          by=desk_agent)
    mail = [m for m in mailoutbox if provider_user.email in m.to]
    assert len(mail) == 1 and problem.reference in mail[0].subject
    investigation = problem.provider_tasks.get()
    assert f"/knowledge/investigations/{investigation.pk}/" in mail[0].body
    assert [(r.from_status, r.to_status) for r in investigation.transitions.all()] == [
        ("", "requested")]


def test_api_records_findings_and_moves_status_with_a_history_row(token_client, provider_org,
                                                                  owner_task):
    api = token_client(provider_org)
    response = api.post(f"/api/v1/problem-investigations/{owner_task.pk}/findings/", {
        "status": "investigating", "root_cause": "Calendar days, not working days.",
        "workaround": "Resubmit five working days ahead."}, format="json",
        HTTP_IDEMPOTENCY_KEY="f-1")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "investigating" and body["root_cause"].startswith("Calendar")
    assert [row["to_status"] for row in body["transitions"]] == ["requested", "investigating"]
    again = api.post(f"/api/v1/problem-investigations/{owner_task.pk}/findings/", {
        "status": "investigating", "root_cause": "Calendar days, not working days.",
        "workaround": "Resubmit five working days ahead."}, format="json",
        HTTP_IDEMPOTENCY_KEY="f-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert owner_task.transitions.count() == 2


@pytest.mark.parametrize("body, field", [
    ({"status": "bogus"}, "status"),
    ({"workaround": None}, "workaround"),
    ({"root_cause": "x" * 20001}, "root_cause"),
])
def test_bad_findings_are_400_with_fields(token_client, provider_org, owner_task, body, field):
    response = token_client(provider_org).post(
        f"/api/v1/problem-investigations/{owner_task.pk}/findings/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_concluding_needs_findings_and_is_409_over_the_api(token_client, provider_org,
                                                          owner_task):
    response = token_client(provider_org).post(
        f"/api/v1/problem-investigations/{owner_task.pk}/findings/", {"status": "concluded"},
        format="json")
    assert response.status_code == 409
    assert "findings" in response.json()["error"]["message"]


def test_only_the_owning_provider_makes_it_a_known_error(problem, owner_task, contributor_task,
                                                         provider_user, other_provider_user):
    investigations.record_investigation(investigation=contributor_task, by=other_provider_user,
                                        workaround="Try again later.")
    with pytest.raises(PermissionDenied):
        investigations.record_known_error(investigation=contributor_task, by=other_provider_user)
    with pytest.raises(InvalidTransition, match="workaround"):
        investigations.record_known_error(investigation=owner_task, by=provider_user)
    investigations.record_investigation(investigation=owner_task, by=provider_user,
                                        workaround="Resubmit five working days ahead.")
    investigations.record_known_error(investigation=owner_task, by=provider_user)
    problem.refresh_from_db()
    assert problem.status == P.KNOWN_ERROR
    assert problem.workaround == "Resubmit five working days ahead."


def test_a_provider_cannot_work_another_providers_investigation(owner_task, other_provider_user):
    with pytest.raises(PermissionDenied):
        investigations.record_investigation(investigation=owner_task, by=other_provider_user,
                                            findings="Not mine to write")


def test_evidence_is_attached_over_the_api_and_hidden_from_other_providers(
        token_client, api_client, provider_org, owner_task, other_provider_user, desk_agent):
    api = token_client(provider_org)
    upload = SimpleUploadedFile("trace.log", b"MPR00012 at 09:14", content_type="text/plain")
    response = api.post(f"/api/v1/problem-investigations/{owner_task.pk}/evidence/",
                        {"file": upload, "description": "Rejection trace"}, format="multipart")
    assert response.status_code == 201, response.json()
    evidence_id = response.json()["id"]
    url = f"/api/v1/problem-investigations/{owner_task.pk}/evidence/{evidence_id}/"
    download = api.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == \
        b"MPR00012 at 09:14"
    assert api_client(other_provider_user).get(url).status_code == 404
    assert api_client(desk_agent).get(url).status_code == 200
    refused = api.post(f"/api/v1/problem-investigations/{owner_task.pk}/evidence/",
                       {"file": SimpleUploadedFile("run.exe", b"MZ")}, format="multipart")
    assert refused.status_code == 400 and "file" in refused.json()["error"]["fields"]


def test_a_provider_proposes_only_its_own_live_change(problem, owner_task, provider_org,
                                                      other_provider_org, provider_user):
    with pytest.raises(ValidationError):
        investigations.propose_fixing_change(
            investigation=owner_task, change_notification=_change(other_provider_org),
            by=provider_user)
    rejected = _change(provider_org, status=C.REJECTED)
    with pytest.raises(ValidationError):
        investigations.propose_fixing_change(investigation=owner_task,
                                             change_notification=rejected, by=provider_user)
    change = _change(provider_org)
    investigations.propose_fixing_change(investigation=owner_task, change_notification=change,
                                         by=provider_user)
    problem.refresh_from_db()
    assert problem.fixing_change == change and problem.status == P.NEW


def test_api_propose_change_refuses_a_change_the_caller_cannot_see(token_client, provider_org,
                                                                  other_provider_org,
                                                                  owner_task):
    theirs = _change(other_provider_org)
    api = token_client(provider_org)
    response = api.post(f"/api/v1/problem-investigations/{owner_task.pk}/propose-change/",
                        {"change": theirs.reference}, format="json")
    assert response.status_code == 400 and "change" in response.json()["error"]["fields"]
    mine = _change(provider_org)
    response = api.post(f"/api/v1/problem-investigations/{owner_task.pk}/propose-change/",
                        {"change": mine.reference}, format="json")
    assert response.status_code == 200 and response.json()["proposed_change"] == mine.reference


# --- a problem follows its fixing change ------------------------------------------------
def test_problem_resolves_only_when_the_fix_is_implemented_and_verified(
        problem, desk_agent, provider_org):
    change = _change(provider_org)
    problems.transition_problem(problem=problem, action="investigate", by=desk_agent)
    problems.link_fixing_change(problem=problem, change_notification=change, by=desk_agent)
    assert problem.status == P.INVESTIGATING  # linking a draft resolves nothing
    _move(change, C.SUBMITTED, C.UNDER_ASSESSMENT, C.APPROVED, C.IN_PROGRESS, C.IMPLEMENTED)
    problems.follow_fixing_change(change_notification=change)
    problem.refresh_from_db()
    assert problem.status == P.INVESTIGATING  # implemented, not yet verified
    with pytest.raises(InvalidTransition, match="implemented and verified"):
        problems.transition_problem(problem=problem, action="resolve", by=desk_agent,
                                    reason="We think it is fixed")
    _move(change, C.REVIEWED)
    assert problems.follow_fixing_change(change_notification=change) == 1
    problem.refresh_from_db()
    assert problem.status == P.RESOLVED
    assert problem.transitions.first().by is None  # the system resolved it
    assert problems.follow_fixing_change(change_notification=change) == 0  # idempotent


@pytest.mark.parametrize("outcome", [C.FAILED, C.BACKED_OUT])
def test_a_failed_or_backed_out_fix_reopens_the_problem_and_tells_everyone(
        outcome, problem, owner_task, desk_agent, provider_org, provider_user,
        other_provider_user, mailoutbox, django_capture_on_commit_callbacks):
    from changes import services as change_services

    change = _change(provider_org)
    investigations.record_investigation(investigation=owner_task, by=provider_user,
                                        status="concluded", findings="Date check",
                                        workaround="Resubmit later.")
    investigations.record_known_error(investigation=owner_task, by=provider_user)
    investigations.propose_fixing_change(investigation=owner_task, change_notification=change,
                                         by=provider_user)
    _move(change, C.SUBMITTED, C.UNDER_ASSESSMENT, C.APPROVED, C.IN_PROGRESS)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        change_services.perform_action(
            change_notification=change, by=provider_user, reason="Rollback after errors",
            action={C.FAILED: "fail", C.BACKED_OUT: "back_out"}[outcome])
    problem.refresh_from_db()
    owner_task.refresh_from_db()
    assert problem.status == P.INVESTIGATING and problem.fixing_change is None
    assert "Reopened" in problem.transitions.first().reason
    assert owner_task.status == ProviderInvestigation.Status.INVESTIGATING
    assert owner_task.proposed_change == change  # kept: what the provider proposed
    reopened = [m for m in mailoutbox if "Reopened" in m.subject]
    told = {address for m in reopened for address in m.to}
    assert {provider_user.email, other_provider_user.email} <= told


def test_a_resolved_problem_whose_fix_later_fails_is_reopened(problem, desk_agent,
                                                              provider_org):
    """Problems resolved before this rule (when linking resolved them) still reopen."""
    change = _change(provider_org)
    problems.transition_problem(problem=problem, action="investigate", by=desk_agent)
    Problem.objects.filter(pk=problem.pk).update(status=P.RESOLVED, fixing_change=change)
    _move(change, C.SUBMITTED, C.UNDER_ASSESSMENT, C.APPROVED, C.IN_PROGRESS, C.BACKED_OUT)
    problems.follow_fixing_change(change_notification=change)
    problem.refresh_from_db()
    assert problem.status == P.INVESTIGATING


def test_the_sweep_heals_a_lost_change_signal(problem, desk_agent, provider_org):
    change = _change(provider_org)
    problems.transition_problem(problem=problem, action="investigate", by=desk_agent)
    problems.link_fixing_change(problem=problem, change_notification=change, by=desk_agent)
    # Moved without the changes service, so no signal reached knowledge.
    _move(change, C.SUBMITTED, C.UNDER_ASSESSMENT, C.APPROVED, C.IN_PROGRESS, C.IMPLEMENTED,
          C.REVIEWED)
    problem.refresh_from_db()
    assert problem.status == P.INVESTIGATING
    from knowledge.tasks import follow_fixing_changes

    follow_fixing_changes()
    problem.refresh_from_db()
    assert problem.status == P.RESOLVED


# --- the console: Switching Operations co-ordinate across providers ------------------------
def test_console_problem_page_shows_every_providers_part_and_assigns_another(
        client, operations_user, problem, owner_task, provider_user, mailoutbox,
        django_capture_on_commit_callbacks):
    investigations.record_investigation(investigation=owner_task, by=provider_user,
                                        root_cause="Calendar days counted")
    dcc = OrganisationFactory(provider=True, name="DCC", short_code="dcc")
    UserFactory(provider=True, organisation=dcc, email="ops@dcc.example")
    client.force_login(operations_user)
    page = client.get(reverse("admin:knowledge_problem_change", args=[problem.pk]))
    assert page.status_code == 200
    assert b"Calendar days counted" in page.content and b"Gemserv" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:knowledge_problem_assign_provider", args=[problem.pk]),
            {"provider": dcc.pk, "note": "Check the DSP logs"})
    assert response.status_code == 302
    assert problem.provider_tasks.filter(provider=dcc, role="contributor").exists()
    assert any("ops@dcc.example" in m.to and "Check the DSP logs" in m.body for m in mailoutbox)


def test_console_links_the_fixing_change_without_resolving(client, operations_user, problem,
                                                           provider_org, auditor_user):
    change = _change(provider_org)
    client.force_login(auditor_user)
    url = reverse("admin:knowledge_problem_fixing_change", args=[problem.pk])
    assert client.post(url, {"change": change.pk}).status_code == 403
    client.force_login(operations_user)
    assert client.post(url, {"change": change.pk}).status_code == 302
    problem.refresh_from_db()
    assert problem.fixing_change == change and problem.status == P.NEW
