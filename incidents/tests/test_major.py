import pytest

from incidents import major_incidents, services
from incidents.communications import TOPIC
from incidents.errors import InvalidTransition, NotAllowed
from incidents.models import PostIncidentReview, SeverityChange
from notifications.models import OutboundEmail

from .conftest import london

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(supplier_org, other_supplier_org, provider_org, other_provider_org,
           operations_user):
    return [supplier_org, other_supplier_org]


def test_declaring_a_major_incident(clock, market, make_incident, desk_agent, provider_org,
                                    other_provider_org, operations_user,
                                    django_capture_on_commit_callbacks):
    clock.to(london(2026, 11, 27, 10, 0))  # Friday
    incident = make_incident(severity=2)
    with django_capture_on_commit_callbacks(execute=True):
        major = major_incidents.declare_major(incident=incident, by=desk_agent,
                                              manager=desk_agent,
                                              summary="CSS is not accepting switch requests")
    incident.refresh_from_db()
    assert incident.is_major and incident.severity == 1
    assert SeverityChange.objects.get(incident=incident).reason == "Declared a major incident"
    review = major.review
    assert review.owner == desk_agent and review.status == PostIncidentReview.Status.OPEN
    assert str(review.due_date) == "2026-12-04"  # five working days
    recipients = [row.to for row in OutboundEmail.objects.filter(topic=TOPIC)]
    # Each participant and the impacted provider (uk-link is Xoserve's) separately; Operations.
    # The raiser is told in its organisation's one email, beside the duty contact.
    supplier, other_supplier = market
    assert sorted([supplier.contact_email, incident.raised_by.email]) in recipients
    assert [other_supplier.contact_email] in recipients
    assert [provider_org.contact_email] in recipients
    assert [other_provider_org.contact_email] not in recipients
    assert [operations_user.email] in recipients
    assert len(recipients) == 4
    assert incident.communications.get().organisations_told == 3


def test_only_the_desk_declares(market, make_incident, supplier_user, provider_user, desk_agent):
    incident = make_incident()
    for user in (supplier_user, provider_user):
        with pytest.raises(NotAllowed):
            major_incidents.declare_major(incident=incident, by=user, manager=desk_agent,
                                          summary="x")
    with pytest.raises(InvalidTransition, match="manager"):
        major_incidents.declare_major(incident=incident, by=desk_agent, manager=supplier_user,
                                      summary="x")
    with pytest.raises(InvalidTransition, match="summary"):
        major_incidents.declare_major(incident=incident, by=desk_agent, manager=desk_agent,
                                      summary="")


def test_cannot_declare_twice_or_on_a_closed_incident(market, make_incident, desk_agent):
    incident = make_incident()
    major_incidents.declare_major(incident=incident, by=desk_agent, manager=desk_agent,
                                  summary="x")
    with pytest.raises(InvalidTransition, match="already"):
        major_incidents.declare_major(incident=incident, by=desk_agent, manager=desk_agent,
                                      summary="x")
    other = make_incident()
    services.transition_incident(incident=other, by=desk_agent, to="cancelled", reason="dup")
    with pytest.raises(InvalidTransition, match="cannot be declared"):
        major_incidents.declare_major(incident=other, by=desk_agent, manager=desk_agent,
                                      summary="x")


def test_bcdr_invocation_always_makes_a_major_incident(market, make_incident, operations_user):
    incident = make_incident(severity=3)
    major = major_incidents.invoke_bcdr(incident=incident, by=operations_user,
                                        summary="Failover to the secondary site")
    incident.refresh_from_db()
    assert incident.is_major and major.bcdr_invoked and major.bcdr_invoked_at
    with pytest.raises(InvalidTransition, match="already been invoked"):
        major_incidents.invoke_bcdr(incident=incident, by=operations_user, summary="again")


def test_bcdr_on_an_existing_major_incident_is_recorded_and_communicated(
        market, make_incident, desk_agent):
    incident = make_incident()
    major = major_incidents.declare_major(incident=incident, by=desk_agent, manager=desk_agent,
                                          summary="Down")
    major_incidents.invoke_bcdr(incident=incident, by=desk_agent, summary="Failover")
    major.refresh_from_db()
    assert major.bcdr_invoked
    assert incident.communications.count() == 2


def test_updates_are_sent_to_the_market_each_time(market, make_incident, desk_agent,
                                                  django_capture_on_commit_callbacks):
    incident = make_incident()
    with django_capture_on_commit_callbacks(execute=True):
        major = major_incidents.declare_major(incident=incident, by=desk_agent,
                                              manager=desk_agent, summary="Down")
    before = OutboundEmail.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        major_incidents.post_update(major=major, by=desk_agent, body="Fix deployed, monitoring")
    assert OutboundEmail.objects.count() - before == 4
    with pytest.raises(InvalidTransition):
        major_incidents.post_update(major=major, by=desk_agent, body=" ")


def test_completing_the_review(market, make_incident, desk_agent):
    incident = make_incident()
    major = major_incidents.declare_major(incident=incident, by=desk_agent, manager=desk_agent,
                                          summary="Down")
    with pytest.raises(InvalidTransition, match="findings"):
        major_incidents.complete_review(review=major.review, by=desk_agent, findings="")
    review = major_incidents.complete_review(review=major.review, by=desk_agent,
                                             findings="Certificate expiry; add monitoring")
    assert review.status == "completed" and review.completed_at


def test_major_timeline_is_shown_to_participants(client, market, make_incident, desk_agent,
                                                 supplier_user):
    incident = make_incident()
    major_incidents.declare_major(incident=incident, by=desk_agent, manager=desk_agent,
                                  summary="CSS is down for everyone")
    client.force_login(supplier_user)
    page = client.get(f"/incidents/{incident.reference}/")
    assert b"Major incident" in page.content and b"CSS is down for everyone" in page.content
