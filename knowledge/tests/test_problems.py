"""Problems and known errors, with the s.8 scenario end to end through the incidents contract."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from knowledge import investigations, problems
from knowledge.errors import InvalidTransition
from knowledge.factories import make_article
from knowledge.models import Article, Problem, ProviderInvestigation

incident_services = pytest.importorskip("incidents.services")

P = Problem.Status


def raise_incident(user, service, title="Gas switch confirmations rejected by UK Link",
                   description="Every confirmation gets rejection code MPR00012."):
    return incident_services.raise_incident(
        organisation=user.organisation, raised_by=user, title=title, description=description,
        services=[service], severity=3, channel="portal")


@pytest.fixture
def problem(desk_agent, supplier_user, provider_org, other_provider_org, service):
    incident = raise_incident(supplier_user, service)
    return problems.create_problem(
        title="UK Link rejects confirmations with MPR00012", owning_provider=provider_org,
        contributing_providers=[other_provider_org], incidents=[incident], by=desk_agent)


def test_s8_scenario_incident_to_known_error_to_workaround_to_change_to_resolved(
        desk_agent, operations_user, supplier_user, other_supplier_user, provider_org,
        other_provider_org, provider_user, other_provider_user, service, mailoutbox,
        django_capture_on_commit_callbacks):
    from changes import services as change_services

    # Incidents from two participants, tied to one problem handed to two providers (emailed).
    first = raise_incident(supplier_user, service)
    second = raise_incident(other_supplier_user, service)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        problem = problems.create_problem(
            title="UK Link rejects confirmations with MPR00012", owning_provider=provider_org,
            contributing_providers=[other_provider_org], incidents=[first, second],
            by=desk_agent)
    assert set(problem.services.all()) == {service}
    assert {(t.provider, t.role) for t in problem.provider_tasks.all()} == {
        (provider_org, "owner"), (other_provider_org, "contributor")}
    assert any(provider_user.email in m.to and problem.reference in m.subject
               for m in mailoutbox)
    assert any(other_provider_user.email in m.to for m in mailoutbox)
    problems.transition_problem(problem=problem, action="investigate", by=desk_agent)

    # s.8.12: each provider investigates its part; the owner finds the cause and workaround.
    owner_task = problem.provider_tasks.get(provider=provider_org)
    contributor_task = problem.provider_tasks.get(provider=other_provider_org)
    investigations.record_investigation(
        investigation=contributor_task, by=other_provider_user, status="concluded",
        findings="ECOES sends the right dates; not our part.")
    investigations.record_investigation(
        investigation=owner_task, by=provider_user, status="concluded",
        findings="Effective-date check uses calendar, not working days",
        root_cause="The effective-date check counts calendar days.",
        workaround="Resubmit the confirmation with an effective date five working days ahead.")

    # The owning provider records it as a known error; the desk publishes it to participants.
    investigations.record_known_error(investigation=owner_task, by=provider_user)
    problem.refresh_from_db()
    assert problem.status == P.KNOWN_ERROR
    assert problem.root_cause == "The effective-date check counts calendar days."
    article = problems.publish_known_error_article(problem=problem, by=desk_agent,
                                                   audience=Article.Audience.PARTICIPANTS)
    assert article in Article.objects.visible_to(other_supplier_user)

    # A new incident: the desk sees the matching known error and applies it in one action.
    third = raise_incident(other_supplier_user, service, title="Confirmations rejected MPR00012",
                           description="Our gas confirmations bounce.")
    matches = problems.matching_known_errors(incident=third, user=desk_agent)
    assert matches and matches[0].pk == article.pk
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        problems.apply_workaround(incident=third, article=article, by=desk_agent)
    told = [m for m in mailoutbox if other_supplier_user.email in m.to]
    assert any("five working days ahead" in m.body for m in told)
    counted = Problem.objects.with_incident_counts().get(pk=problem.pk)
    assert counted.incident_count == 3 and counted.resolved_by_workaround == 1

    # The provider's fix is a change notification it proposes from its investigation.
    change = change_services.create_change_notification(
        provider=provider_org, by=provider_user, title="Fix MPR00012 date check",
        change_type="normal", description="Count working days in the effective-date check.",
        risk="Low.", back_out_plan="Redeploy the previous release.",
        planned_start=timezone.now() + timedelta(days=20),
        planned_end=timezone.now() + timedelta(days=20, hours=2), impacts=[(service, "outage")])
    investigations.propose_fixing_change(investigation=owner_task, change_notification=change,
                                         by=provider_user)
    problem.refresh_from_db()
    assert problem.fixing_change == change and problem.status == P.KNOWN_ERROR

    # s.8.13: Change Co-ordination approves it and the provider implements it; the problem
    # stays open until Change Co-ordination has verified the outcome.
    steps = [("submit", provider_user), ("approve", operations_user),
             ("start", provider_user), ("complete", provider_user)]
    for action, who in steps:
        with django_capture_on_commit_callbacks(execute=True):
            change_services.perform_action(change_notification=change, action=action, by=who,
                                           reason="Agreed at the CCG" if action == "approve"
                                           else "")
        problem.refresh_from_db()
        assert problem.status == P.KNOWN_ERROR, action
    with pytest.raises(InvalidTransition, match="implemented and verified"):
        problems.transition_problem(problem=problem, action="resolve", by=desk_agent,
                                    reason="Looks fixed")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        change_services.perform_action(change_notification=change, action="review",
                                       by=operations_user)
    problem.refresh_from_db()
    assert problem.status == P.RESOLVED and problem.resolved_at is not None
    assert any(provider_user.email in m.to and "Resolved" in m.subject for m in mailoutbox)
    problems.transition_problem(problem=problem, action="close", by=desk_agent)
    assert problem.status == P.CLOSED
    assert [r.to_status for r in problem.transitions.order_by("at", "pk")] == [
        P.INVESTIGATING, P.KNOWN_ERROR, P.RESOLVED, P.CLOSED]


def test_known_error_needs_a_workaround(problem, desk_agent):
    problems.transition_problem(problem=problem, action="investigate", by=desk_agent)
    with pytest.raises(InvalidTransition):
        problems.transition_problem(problem=problem, action="known_error", by=desk_agent)
    with pytest.raises(InvalidTransition):
        problems.record_known_error(problem=problem, by=desk_agent, workaround="  ")


def test_resolving_needs_the_fixing_change_or_a_reason(problem, desk_agent):
    problems.transition_problem(problem=problem, action="investigate", by=desk_agent)
    with pytest.raises(InvalidTransition, match="fixing change"):
        problems.transition_problem(problem=problem, action="resolve", by=desk_agent)
    problems.transition_problem(problem=problem, action="resolve", by=desk_agent,
                                reason="Provider corrected reference data")
    assert problem.status == P.RESOLVED and problem.resolved_at is not None


@pytest.mark.parametrize("action", ["known_error", "resolve", "explode"])
def test_invalid_problem_transitions_are_refused(problem, desk_agent, action):
    with pytest.raises(InvalidTransition):
        problems.transition_problem(problem=problem, action=action, by=desk_agent, reason="x")
    problem.refresh_from_db()
    assert problem.status == P.NEW and not problem.transitions.exists()


def test_article_only_once_and_only_for_known_errors(problem, desk_agent):
    with pytest.raises(InvalidTransition):
        problems.publish_known_error_article(problem=problem, by=desk_agent, audience="public")
    problems.record_known_error(problem=problem, by=desk_agent, workaround="Retry tomorrow.")
    problems.publish_known_error_article(problem=problem, by=desk_agent, audience="internal")
    with pytest.raises(InvalidTransition):
        problems.publish_known_error_article(problem=problem, by=desk_agent, audience="public")


def test_provider_investigations_move_on_independently(problem, other_provider_org):
    task = problem.provider_tasks.get(provider=other_provider_org)
    with pytest.raises(InvalidTransition, match="findings"):
        problems.update_investigation(investigation=task, status="concluded")
    with pytest.raises(InvalidTransition):
        problems.update_investigation(investigation=task, status="bogus")
    problems.update_investigation(investigation=task, status="investigating")
    assert problem.provider_tasks.get(provider=other_provider_org).status == "investigating"
    assert problem.provider_tasks.exclude(provider=other_provider_org).get().status == "requested"


def test_problem_visibility(problem, desk_agent, provider_user, other_provider_user,
                            supplier_user, auditor_user):
    from accounts.factories import OrganisationFactory, UserFactory

    outsider = UserFactory(provider=True, organisation=OrganisationFactory(
        provider=True, short_code="dcc", name="DCC"))
    for user in (desk_agent, auditor_user, provider_user, other_provider_user):
        assert problem in Problem.objects.visible_to(user)
    for user in (supplier_user, outsider):
        assert problem not in Problem.objects.visible_to(user)


def test_matching_ignores_other_services_and_applying_twice_is_refused(
        desk_agent, supplier_user, service, other_service):
    here = make_article(title="UK Link MPR00012 rejection workaround", article_type="known_error",
                        services_=[service], audience="participants")
    make_article(title="ECOES MPR00012 rejection workaround", article_type="known_error",
                 services_=[other_service], audience="participants")
    make_article(title="UK Link MPR00012 rejection how-to", article_type="how_to",
                 services_=[service], audience="participants")
    incident = raise_incident(supplier_user, service, title="MPR00012 rejection")
    assert [a.pk for a in problems.matching_known_errors(incident=incident, user=desk_agent)] == [
        here.pk]
    problems.apply_workaround(incident=incident, article=here, by=desk_agent)
    with pytest.raises(InvalidTransition, match="already"):
        problems.apply_workaround(incident=incident, article=here, by=desk_agent)


def test_console_creates_a_problem_from_incident_references(desk_agent, supplier_user, service,
                                                            provider_org):
    incident = raise_incident(supplier_user, service)
    client = Client()
    client.force_login(desk_agent)
    url = reverse("admin:knowledge_problem_from_incidents")
    assert client.get(url, {"incidents": incident.reference}).status_code == 200
    bad = client.post(url, {"incidents": "INC-999999", "title": "X",
                            "owning_provider": provider_org.pk})
    assert bad.status_code == 200 and "No such incident" in bad.content.decode()
    response = client.post(url, {"incidents": incident.reference.lower(), "title": "Rejections",
                                 "owning_provider": provider_org.pk})
    assert response.status_code == 302
    problem = Problem.objects.get()
    assert list(problem.incident_links.values_list("incident", flat=True)) == [incident.pk]
    assert client.get(reverse("admin:knowledge_problem_change",
                              args=[problem.pk])).status_code == 200
    assert client.get(reverse("admin:knowledge_problem_report")).status_code == 200
    client.post(reverse("admin:knowledge_problem_transition", args=[problem.pk]),
                {"action": "investigate"})
    problem.refresh_from_db()
    assert problem.status == P.INVESTIGATING


def test_auditor_reads_problems_but_cannot_act(problem, auditor_user):
    client = Client()
    client.force_login(auditor_user)
    assert client.get(reverse("admin:knowledge_problem_changelist")).status_code == 200
    assert client.get(reverse("admin:knowledge_problem_report")).status_code == 200
    assert client.get(reverse("admin:knowledge_problem_from_incidents")).status_code == 403
    response = client.post(reverse("admin:knowledge_problem_transition", args=[problem.pk]),
                           {"action": "investigate"})
    assert response.status_code == 403
    assert ProviderInvestigation.objects.filter(problem=problem).count() == 2


def test_console_shows_matching_known_errors_and_applies_one(desk_agent, auditor_user,
                                                             supplier_user, service):
    article = make_article(title="UK Link MPR00012 rejection workaround",
                           article_type="known_error", services_=[service])
    incident = raise_incident(supplier_user, service, title="MPR00012 rejection")
    url = reverse("admin:knowledge_incident_known_errors", args=[incident.pk])
    auditor = Client()
    auditor.force_login(auditor_user)
    assert article.reference in auditor.get(url).content.decode()
    assert auditor.post(url, {"article": article.pk}).status_code == 403
    client = Client()
    client.force_login(desk_agent)
    assert client.post(url, {"article": article.pk}).status_code == 302
    assert article.workaround_applications.filter(incident=incident).count() == 1
    client.post(url, {"article": "not-a-number"})
    assert client.get(reverse("admin:knowledge_incident_known_errors",
                              args=[999999])).status_code == 404


def test_a_workaround_applied_to_a_master_reaches_every_child_and_each_raiser_once(
        desk_agent, supplier_user, other_supplier_user, service,
        django_capture_on_commit_callbacks):
    from accounts.factories import OrganisationFactory, UserFactory
    from incidents import masters
    from notifications.models import OutboundEmail

    article = make_article(title="UK Link MPR00012 rejection workaround",
                           article_type="known_error", services_=[service],
                           audience="participants")
    master_raiser = UserFactory(organisation=OrganisationFactory(short_code="third-supplier"))
    master = raise_incident(master_raiser, service, title="MPR00012 rejection")
    children = [raise_incident(user, service) for user in (supplier_user, other_supplier_user)]
    masters.link_children(master=master, children=children, by=desk_agent)
    with django_capture_on_commit_callbacks(execute=True):
        problems.apply_workaround(incident=master, article=article, by=desk_agent)
    for child in children:
        shown = child.comments.filter(body__contains=article.reference)
        assert shown.count() == 1 and shown.get().is_public
    told = OutboundEmail.objects.filter(topic__in=["incident.communication",
                                                   "incident.workaround"])
    for raiser in (master_raiser, supplier_user, other_supplier_user):
        assert sum(raiser.email in row.to for row in told) == 1, raiser
    assert master.communications.get().kind == "workaround"
