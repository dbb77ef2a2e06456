"""Provider records and service reviews: agenda from the month's KPIs, actions, who sees what."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from accounts.factories import UserFactory
from incidents.factories import IncidentFactory
from kernel.periods import Period
from notifications.models import OutboundEmail
from reporting import provider_reviews
from reporting.errors import InvalidTransition, NotAllowed
from reporting.kpis.engine import PeriodKpis, Scope
from reporting.models import EscalationContact, ProviderRecord, ReviewAction, ServiceReview

pytestmark = pytest.mark.django_db
OCTOBER = Period.month(2026, 10)
AFTER = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def record(provider_org, service):
    record = ProviderRecord.objects.create(
        provider=provider_org, agreement_kind="ola", agreement_reference="OLA-XOS-004",
        agreement_starts_on=date(2021, 6, 1), service_hours="24x7x365")
    EscalationContact.objects.create(record=record, level=1, name="Xo service desk",
                                     role="Service desk", phone="0800 000 111")
    return record


@pytest.fixture
def other_record(other_provider_org, other_service):
    return ProviderRecord.objects.create(
        provider=other_provider_org, agreement_kind="ola", agreement_reference="OLA-GEM-002",
        agreement_starts_on=date(2022, 1, 1), service_hours="Mon-Sat 06:00-22:00")


@pytest.fixture
def review(record, operations_user, supplier_user, service):
    for day in (3, 10):
        IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                        services=[service], severity=2,
                        at=datetime(2026, 10, day, 9, tzinfo=UTC))
    return provider_reviews.plan_review(provider=record.provider, period=OCTOBER,
                                        meeting_on=date(2026, 11, 12), by=operations_user,
                                        now=AFTER)


def test_the_agenda_carries_the_providers_kpis_for_the_month(review, provider_org):
    results = PeriodKpis(OCTOBER, now=AFTER).results(Scope(provider=provider_org))
    assert results["incidents"].value == 2
    assert "Service review with Xoserve: October 2026" in review.agenda
    assert "Number of incidents: 2 count" in review.agenda
    assert "No return received for the month." in review.agenda
    assert review.transitions.get().to_status == "planned"


def test_one_review_per_provider_and_month_and_only_operations_plans(review, desk_agent,
                                                                     operations_user,
                                                                     provider_user):
    with pytest.raises(InvalidTransition, match="already has a review"):
        provider_reviews.plan_review(provider=review.provider, period=OCTOBER,
                                     meeting_on=date(2026, 11, 12), by=operations_user)
    for user in (desk_agent, provider_user):
        with pytest.raises(NotAllowed):
            provider_reviews.plan_review(provider=review.provider,
                                         period=Period.month(2026, 9),
                                         meeting_on=date(2026, 10, 12), by=user)
    with pytest.raises(InvalidTransition, match="one calendar month"):
        provider_reviews.plan_review(provider=review.provider, period=Period.parse("2026-W43"),
                                     meeting_on=date(2026, 11, 12), by=operations_user)


def test_actions_have_owners_and_due_dates_and_appear_on_the_next_agenda(
        review, operations_user, provider_user, other_provider_user):
    action = provider_reviews.add_review_action(
        review=review, by=operations_user, description="Send the DR test report",
        owner=provider_user, due_on=date(2026, 12, 1))
    assert [e.to for e in OutboundEmail.objects.filter(topic="reporting.review_action")] == [
        [provider_user.email]]
    with pytest.raises(InvalidTransition, match="owner"):
        provider_reviews.add_review_action(review=review, by=operations_user, description="x",
                                           owner=other_provider_user, due_on=date(2026, 12, 1))
    november = provider_reviews.plan_review(provider=review.provider,
                                            period=Period.month(2026, 11),
                                            meeting_on=date(2026, 12, 10), by=operations_user)
    assert "Send the DR test report" in november.agenda
    with pytest.raises(NotAllowed):
        provider_reviews.complete_review_action(action=action, by=other_provider_user)
    provider_reviews.complete_review_action(action=action, by=provider_user)
    assert ReviewAction.objects.get(pk=action.pk).status == "done"


def test_minutes_close_the_review_and_freeze_its_agenda(review, operations_user):
    with pytest.raises(InvalidTransition):
        provider_reviews.record_review_held(review=review, by=operations_user, minutes=" ")
    provider_reviews.record_review_held(review=review, by=operations_user,
                                        minutes="Targets met; DR test in Q1.")
    review.refresh_from_db()
    assert review.status == "held"
    with pytest.raises(InvalidTransition):
        provider_reviews.refresh_agenda(review=review, by=operations_user)


def test_a_provider_reads_only_its_own_record_and_reviews(api_client, client, record,
                                                          other_record, review, provider_user,
                                                          other_provider_user, supplier_user,
                                                          auditor_user):
    body = api_client(provider_user).get("/api/v1/provider-records/").json()
    assert [r["provider"] for r in body["results"]] == ["xoserve"]
    assert body["results"][0]["escalation_contacts"][0]["name"] == "Xo service desk"
    assert api_client(provider_user).get("/api/v1/provider-records/gemserv/").status_code == 404
    assert [r["id"] for r in api_client(provider_user).get(
        "/api/v1/service-reviews/").json()["results"]] == [review.pk]
    for user in (other_provider_user, supplier_user):
        assert api_client(user).get(f"/api/v1/service-reviews/{review.pk}/").status_code == 404
    assert api_client(supplier_user).get("/api/v1/provider-records/").json()["results"] == []
    assert len(api_client(auditor_user).get("/api/v1/provider-records/").json()["results"]) == 2

    client.force_login(provider_user)
    assert client.get(reverse("reporting:provider_records")).status_code == 302  # to its own
    page = client.get(reverse("reporting:provider_record", args=["xoserve"]))
    assert b"OLA-XOS-004" in page.content and b"Xo service desk" in page.content
    assert client.get(reverse("reporting:provider_record", args=["gemserv"])).status_code == 404
    assert b"Number of incidents" in client.get(
        reverse("reporting:service_review", args=[review.pk])).content
    client.force_login(other_provider_user)
    assert client.get(reverse("reporting:service_review", args=[review.pk])).status_code == 404
    client.force_login(supplier_user)
    assert b"OLA-" not in client.get(reverse("reporting:provider_records")).content


def test_the_owner_marks_an_action_done_in_the_portal(client, review, operations_user,
                                                      provider_user):
    colleague = UserFactory(provider=True, organisation=provider_user.organisation)
    action = provider_reviews.add_review_action(
        review=review, by=operations_user, description="Fix the feed", owner=provider_user,
        due_on=date(2026, 12, 1))
    url = reverse("reporting:review_action_complete", args=[action.pk])
    client.force_login(colleague)
    client.post(url)
    assert ReviewAction.objects.get(pk=action.pk).status == "open"
    client.force_login(provider_user)
    client.post(url)
    assert ReviewAction.objects.get(pk=action.pk).status == "done"


def test_console_plans_a_review_with_its_agenda(client, record, operations_user, auditor_user):
    client.force_login(operations_user)
    for name in ("providerrecord", "servicereview", "reviewaction"):
        assert client.get(f"/admin/reporting/{name}/").status_code == 200, name
    response = client.post("/admin/reporting/servicereview/add/", {
        "provider": record.provider.pk, "month": "2026-10", "meeting_on": "2026-11-12"})
    assert response.status_code == 302, response.content[:1500]
    review = ServiceReview.objects.get()
    assert "October 2026" in review.agenda
    bad = client.post("/admin/reporting/servicereview/add/", {
        "provider": record.provider.pk, "month": "October", "meeting_on": "2026-11-12"})
    assert bad.status_code == 200 and ServiceReview.objects.count() == 1
    client.force_login(auditor_user)
    assert client.get("/admin/reporting/servicereview/add/").status_code == 403
