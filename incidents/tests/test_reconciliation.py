"""Post-incident reconciliation: items per affected party when a major incident is resolved,
progress, sign-off, waiver, the review's guard, and who may see and do what."""

from datetime import timedelta

import pytest
from django.urls import reverse

from incidents import major_incidents, masters, reconciliation, services
from incidents.errors import InvalidTransition, NotAllowed
from incidents.models import ReconciliationItem
from kernel.models import IdempotencyRecord
from notifications.models import OutboundEmail

from .conftest import london

pytestmark = pytest.mark.django_db
URL = "/api/v1/reconciliation-items/"


@pytest.fixture
def resolved_major(clock, make_incident, desk_agent, provider_org, other_provider_org,
                   operations_user):
    """A major incident raised by the supplier, worked by two providers, then resolved."""
    clock.to(london(2026, 12, 1, 9, 0))
    incident = make_incident(severity=1)
    major = major_incidents.declare_major(incident=incident, by=desk_agent, manager=desk_agent,
                                          summary="CSS is not accepting switch requests")
    services.assign_incident(incident=incident, resolver_group=provider_org, by=desk_agent)
    services.assign_incident(incident=incident, resolver_group=other_provider_org, by=desk_agent)
    clock.to(london(2026, 12, 1, 13, 0))
    services.transition_incident(incident=incident, by=desk_agent, to="resolved",
                                 resolution_code="fixed", resolution_notes="Queue drained")
    return major


def _item(major, organisation):
    return major.reconciliation_items.get(organisation=organisation)


# --- opening --------------------------------------------------------------------------
def test_resolving_a_major_incident_opens_one_item_per_affected_party(
        resolved_major, supplier_org, provider_org, other_provider_org):
    items = {(i.organisation, i.party_role, i.status)
             for i in resolved_major.reconciliation_items.all()}
    assert items == {(supplier_org, "raised", "open"), (provider_org, "provider", "open"),
                     (other_provider_org, "provider", "open")}
    emailed = sorted(e.to[0] for e in OutboundEmail.objects.filter(
        topic="incident.reconciliation"))
    assert emailed == sorted(o.contact_email for o in (supplier_org, provider_org,
                                                       other_provider_org))


def test_resolving_again_after_a_reopen_adds_no_second_item(resolved_major, supplier_user,
                                                            desk_agent):
    incident = resolved_major.incident
    services.transition_incident(incident=incident, by=supplier_user, to="in_progress",
                                 reason="Still failing")
    services.transition_incident(incident=incident, by=desk_agent, to="resolved",
                                 resolution_code="fixed", resolution_notes="Really fixed")
    assert resolved_major.reconciliation_items.count() == 3
    assert OutboundEmail.objects.filter(topic="incident.reconciliation").count() == 3


def test_joined_participants_and_raisers_of_children_get_items(
        clock, make_incident, desk_agent, other_supplier_user,
        other_supplier_org, supplier_org, provider_org):
    """The parties come from incidents.selectors.affected_parties: a participant that joined,
    and the raiser of a child linked to the master, each get one item."""
    clock.to(london(2026, 12, 1, 9, 0))
    master = make_incident(severity=1)
    major = major_incidents.declare_major(incident=master, by=desk_agent, manager=desk_agent,
                                          summary="CSS down")
    masters.join_incident(incident=master, by=other_supplier_user, impact="40 switches stuck")
    services.assign_incident(incident=master, resolver_group=provider_org, by=desk_agent)
    services.transition_incident(incident=master, by=desk_agent, to="resolved",
                                 resolution_code="fixed", resolution_notes="Restored")
    roles = dict(major.reconciliation_items.values_list("organisation__short_code",
                                                        "party_role"))
    assert roles == {supplier_org.short_code: "raised", other_supplier_org.short_code: "joined",
                     provider_org.short_code: "provider"}


def test_an_ordinary_incident_opens_no_reconciliation(clock, make_incident, desk_agent):
    clock.to(london(2026, 12, 1, 9, 0))
    incident = make_incident(severity=2)
    services.transition_incident(incident=incident, by=desk_agent, to="resolved",
                                 resolution_code="fixed", resolution_notes="done")
    assert not ReconciliationItem.objects.exists()


# --- progress, sign-off, waiver -------------------------------------------------------
def test_progress_needs_a_backlog_first_and_cannot_exceed_it(resolved_major, provider_user,
                                                             provider_org):
    item = _item(resolved_major, provider_org)
    with pytest.raises(InvalidTransition):
        reconciliation.record_progress(item=item, by=provider_user, remaining=10)
    with pytest.raises(InvalidTransition):
        reconciliation.record_progress(item=item, by=provider_user, remaining=11, backlog=10,
                                       unit="messages")
    reconciliation.record_progress(item=item, by=provider_user, remaining=150_000,
                                   backlog=200_428, unit="delayed messages")
    item.refresh_from_db()
    # (200,428 - 150,000) / 200,428 = 25.16...% -> 25 (rounded down)
    assert (item.remaining, item.unit, item.percent_done) == (150_000, "delayed messages", 25)


@pytest.mark.parametrize("backlog, remaining", [(200_428, 0), (200_428, 1), (3, 2), (7, 7),
                                                (1, 0), (0, 0), (999_999, 333_333)])
def test_percent_done_matches_an_independent_computation(resolved_major, provider_user,
                                                         provider_org, backlog, remaining):
    item = _item(resolved_major, provider_org)
    reconciliation.record_progress(item=item, by=provider_user, remaining=remaining,
                                   backlog=backlog, unit="messages")
    item.refresh_from_db()
    done = backlog - remaining
    # Reference: whole percent by repeated subtraction (no division), 100 for an empty backlog.
    expected = 100 if backlog == 0 else next(p for p in range(101, -1, -1)
                                             if p * backlog <= done * 100)
    assert item.percent_done == expected


def test_only_the_party_signs_off_its_item(resolved_major, provider_user, other_provider_user,
                                           desk_agent, supplier_user, provider_org):
    item = _item(resolved_major, provider_org)
    for outsider in (other_provider_user, desk_agent, supplier_user):
        with pytest.raises(NotAllowed):
            reconciliation.sign_off(item=item, by=outsider)
    reconciliation.sign_off(item=item, by=provider_user, note="All replayed")
    item.refresh_from_db()
    assert item.status == "signed_off" and item.remaining == 0 and item.percent_done == 100
    [row] = item.transitions.all()
    assert (row.from_status, row.to_status, row.by, row.reason) == (
        "open", "signed_off", provider_user, "All replayed")


def test_only_switching_operations_waive_and_they_must_say_why(resolved_major, desk_agent,
                                                               operations_user, supplier_org):
    item = _item(resolved_major, supplier_org)
    with pytest.raises(NotAllowed):
        reconciliation.waive(item=item, by=desk_agent, reason="no backlog")
    with pytest.raises(InvalidTransition):
        reconciliation.waive(item=item, by=operations_user, reason="  ")
    reconciliation.waive(item=item, by=operations_user, reason="No switch requests were lost")
    item.refresh_from_db()
    assert item.status == "waived"
    with pytest.raises(InvalidTransition):
        reconciliation.record_progress(item=item, by=operations_user, remaining=0, backlog=0,
                                       unit="x")


def test_the_review_cannot_close_until_every_item_is_signed_off_or_waived(
        resolved_major, desk_agent, operations_user, supplier_user, provider_user,
        other_provider_user, supplier_org):
    review = resolved_major.review
    reconciliation.sign_off(item=_item(resolved_major, provider_user.organisation),
                            by=provider_user)
    with pytest.raises(InvalidTransition) as refused:
        major_incidents.complete_review(review=review, by=desk_agent, findings="Root cause: …")
    assert supplier_org.name in str(refused.value)
    assert other_provider_user.organisation.name in str(refused.value)
    reconciliation.sign_off(item=_item(resolved_major, other_provider_user.organisation),
                            by=other_provider_user)
    reconciliation.waive(item=_item(resolved_major, supplier_org), by=operations_user,
                         reason="Supplier confirmed by phone: nothing lost")
    review = major_incidents.complete_review(review=review, by=desk_agent, findings="Root cause")
    assert review.status == "completed"


# --- who sees what --------------------------------------------------------------------
def _orgs(user):
    return set(ReconciliationItem.objects.visible_to(user).values_list("organisation__short_code",
                                                                       flat=True))


def test_each_party_sees_only_its_own_item(resolved_major, supplier_user, provider_user,
                                           other_provider_user, other_supplier_user,
                                           desk_agent, auditor_user):
    assert _orgs(supplier_user) == {supplier_user.organisation.short_code}
    assert _orgs(provider_user) == {provider_user.organisation.short_code}
    assert _orgs(other_provider_user) == {other_provider_user.organisation.short_code}
    assert _orgs(other_supplier_user) == set()
    assert len(_orgs(desk_agent)) == len(_orgs(auditor_user)) == 3


def test_portal_list_and_detail_are_the_partys_own(resolved_major, client, provider_user,
                                                   other_provider_org, provider_org):
    mine, theirs = _item(resolved_major, provider_org), _item(resolved_major, other_provider_org)
    client.force_login(provider_user)
    page = client.get(reverse("incidents:reconciliation")).content.decode()
    assert reverse("incidents:reconciliation_item", args=[mine.pk]) in page
    assert reverse("incidents:reconciliation_item", args=[theirs.pk]) not in page
    assert client.get(reverse("incidents:reconciliation_item",
                              args=[theirs.pk])).status_code == 404
    response = client.post(reverse("incidents:reconciliation_sign_off", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "open"


def test_portal_progress_then_the_chart_shows_the_backlog_falling(resolved_major, client, clock,
                                                                  supplier_user, supplier_org):
    item = _item(resolved_major, supplier_org)
    client.force_login(supplier_user)
    url = reverse("incidents:reconciliation_item", args=[item.pk])
    clock.to(london(2026, 12, 1, 15, 0))
    response = client.post(url, {"backlog": "1200", "unit": "delayed switch requests",
                                 "remaining": "900", "expected_completion": "2026-12-03T17:00",
                                 "note": "Resubmitting"})
    assert response.status_code == 302
    clock.to(london(2026, 12, 2, 9, 0))
    client.post(url, {"remaining": "300"})
    page = client.get(url).content.decode()
    assert "<svg" in page and 'role="img"' in page
    assert "Backlog outstanding for Brightwater Energy: 300 delayed switch requests" in page
    assert page.count("<circle") == 3  # opened at 1,200; 900; 300
    item.refresh_from_db()
    assert (item.backlog, item.remaining, item.percent_done) == (1200, 300, 75)


def test_portal_bad_progress_is_a_form_error_not_a_500(resolved_major, client, supplier_user,
                                                       supplier_org):
    item = _item(resolved_major, supplier_org)
    client.force_login(supplier_user)
    url = reverse("incidents:reconciliation_item", args=[item.pk])
    response = client.post(url, {"remaining": "5"})
    assert response.status_code == 200
    assert "State the backlog" in response.content.decode()
    assert client.post(url, {"remaining": "-1"}).status_code == 200
    assert not item.progress.exists()


# --- API ------------------------------------------------------------------------------
def test_api_provider_posts_progress_idempotently(resolved_major, token_client, provider_org):
    client = token_client(provider_org)
    item = _item(resolved_major, provider_org)
    body = {"backlog": 200428, "unit": "delayed messages", "remaining": 150000}
    first = client.post(f"{URL}{item.pk}/progress/", body, format="json",
                        HTTP_IDEMPOTENCY_KEY="p-1")
    again = client.post(f"{URL}{item.pk}/progress/", body, format="json",
                        HTTP_IDEMPOTENCY_KEY="p-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert item.progress.count() == 1 and IdempotencyRecord.objects.count() == 1
    assert first.json()["percent_done"] == 25


def test_api_lists_only_the_callers_items_and_hides_others(resolved_major, token_client,
                                                           provider_org, other_provider_org,
                                                           other_supplier_org):
    mine, theirs = _item(resolved_major, provider_org), _item(resolved_major, other_provider_org)
    client = token_client(provider_org)
    assert [row["id"] for row in client.get(URL).json()["results"]] == [mine.pk]
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.post(f"{URL}{theirs.pk}/progress/", {"remaining": 0, "backlog": 0,
                                                       "unit": "x"},
                       format="json").status_code == 404
    assert token_client(other_supplier_org).get(URL).json()["results"] == []


def test_api_bad_progress_is_400_by_field(resolved_major, token_client, provider_org):
    client = token_client(provider_org)
    item = _item(resolved_major, provider_org)
    response = client.post(f"{URL}{item.pk}/progress/", {"remaining": 5}, format="json")
    assert response.status_code == 400
    assert "backlog" in response.json()["error"]["fields"]
    response = client.post(f"{URL}{item.pk}/progress/",
                           {"remaining": 11, "backlog": 10, "unit": "m"}, format="json")
    assert "remaining" in response.json()["error"]["fields"]


def test_api_sign_off_then_a_second_is_409(resolved_major, token_client, provider_org):
    client = token_client(provider_org)
    item = _item(resolved_major, provider_org)
    assert client.post(f"{URL}{item.pk}/sign-off/", {}, format="json").status_code == 200
    assert client.post(f"{URL}{item.pk}/sign-off/", {}, format="json").status_code == 409


# --- console --------------------------------------------------------------------------
def test_operations_waive_from_the_console_with_a_reason(resolved_major, client,
                                                         operations_user, supplier_org):
    item = _item(resolved_major, supplier_org)
    client.force_login(operations_user)
    changelist = reverse("admin:incidents_reconciliationitem_changelist")
    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "waive_selected", "_selected_action": [item.pk],
                             "reason": "Nothing was lost"})
    item.refresh_from_db()
    assert item.status == "waived"
    assert item.transitions.get().reason == "Nothing was lost"
    page = client.get(reverse("admin:incidents_reconciliationitem_change", args=[item.pk]))
    assert "Progress over time" in page.content.decode()


def test_the_desk_cannot_waive_from_the_console(resolved_major, client, desk_agent,
                                                supplier_org):
    item = _item(resolved_major, supplier_org)
    client.force_login(desk_agent)
    client.post(reverse("admin:incidents_reconciliationitem_changelist"),
                {"action": "waive_selected", "_selected_action": [item.pk], "reason": "x"})
    item.refresh_from_db()
    assert item.status == "open"


def test_the_major_incident_page_lists_each_partys_reconciliation(resolved_major, client,
                                                                  desk_agent, supplier_org):
    client.force_login(desk_agent)
    page = client.get(reverse("admin:incidents_majorincident_change",
                              args=[resolved_major.pk])).content.decode()
    assert supplier_org.name in page and "Raised the incident" in page


def test_expected_completion_is_drawn_on_the_chart(resolved_major, provider_user, provider_org):
    item = _item(resolved_major, provider_org)
    reconciliation.record_progress(
        item=item, by=provider_user, remaining=5, backlog=10, unit="messages",
        expected_completion=item.created_at + timedelta(days=2))
    item.refresh_from_db()
    assert "stroke-dasharray" in reconciliation.progress_chart(item)
