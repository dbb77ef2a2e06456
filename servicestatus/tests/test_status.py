from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from services.factories import ServiceDependencyFactory, ServiceFactory
from servicestatus.factories import EventFactory
from servicestatus.models import Cause, ServiceState, Status, StatusInterval
from servicestatus.services import (
    StatusError,
    recompute_all,
    recompute_status,
    return_to_automatic,
    set_service_status,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def intervals(service):
    return list(StatusInterval.objects.filter(service=service).order_by("start")
                .values_list("status", "start", "end", "cause"))


def test_first_recompute_records_operational(service):
    with time_machine.travel(T0, tick=False):
        assert recompute_status([service.pk]) == []
    assert ServiceState.objects.get(service=service).status == Status.OPERATIONAL
    assert intervals(service) == [(Status.OPERATIONAL, T0, None, Cause.INITIAL)]


def test_sev1_incident_marks_major_outage_and_dependents_at_risk(service, fake_causes):
    dependent = ServiceFactory(code="des", name="DES")
    ServiceDependencyFactory(service=dependent, depends_on=service)
    unrelated = ServiceFactory(code="other", name="Other")
    recompute_status([service.pk, dependent.pk, unrelated.pk])
    fake_causes(service, Status.MAJOR_OUTAGE)

    [change] = recompute_status([service.pk])

    assert (change.previous, change.current) == (Status.OPERATIONAL, Status.MAJOR_OUTAGE)
    assert change.interval.cause == Cause.INCIDENT
    assert change.interval.cause_reference == "INC-000001"
    dependent_state = ServiceState.objects.get(service=dependent)
    assert dependent_state.status == Status.OPERATIONAL
    assert dependent_state.at_risk and "UK Link" in dependent_state.at_risk_because
    assert not ServiceState.objects.get(service=unrelated).at_risk
    assert not ServiceState.objects.get(service=service).at_risk


def test_recovery_closes_interval_exactly_when_next_starts(service, fake_causes):
    with time_machine.travel(T0, tick=False):
        recompute_status([service.pk])
    cause = fake_causes(service, Status.DEGRADED)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        recompute_status([service.pk])
    fake_causes.causes.remove(cause)
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        recompute_status([service.pk])

    assert intervals(service) == [
        (Status.OPERATIONAL, T0, T0 + timedelta(hours=1), Cause.INITIAL),
        (Status.DEGRADED, T0 + timedelta(hours=1), T0 + timedelta(hours=3), Cause.INCIDENT),
        (Status.OPERATIONAL, T0 + timedelta(hours=3), None, Cause.RECOVERED),
    ]


def test_recompute_without_change_writes_no_interval(service, fake_causes):
    fake_causes(service, Status.DEGRADED)
    recompute_status([service.pk])
    recompute_status([service.pk])
    assert StatusInterval.objects.filter(service=service).count() == 2


def test_incident_outranks_maintenance(service, fake_causes):
    fake_causes(service, Status.UNDER_MAINTENANCE, kind="change", reference="CHG-000001")
    fake_causes(service, Status.DEGRADED, reference="INC-000002")
    recompute_status([service.pk])
    state = ServiceState.objects.get(service=service)
    assert state.status == Status.DEGRADED
    assert "(+1 more)" in state.reason


def test_maintenance_marks_dependents_at_risk(service, fake_causes):
    dependent = ServiceFactory(code="des", name="DES")
    ServiceDependencyFactory(service=dependent, depends_on=service)
    fake_causes(service, Status.UNDER_MAINTENANCE, kind="change", reference="CHG-000001")
    recompute_status([service.pk, dependent.pk])
    assert ServiceState.objects.get(service=dependent).at_risk


def test_degraded_service_does_not_put_dependents_at_risk(service, fake_causes):
    dependent = ServiceFactory(code="des", name="DES")
    ServiceDependencyFactory(service=dependent, depends_on=service)
    fake_causes(service, Status.DEGRADED)
    recompute_status([service.pk, dependent.pk])
    assert not ServiceState.objects.get(service=dependent).at_risk


def test_service_without_auto_derive_ignores_causes(service, fake_causes):
    recompute_status([service.pk])
    ServiceState.objects.filter(service=service).update(auto_derive=False)
    fake_causes(service, Status.MAJOR_OUTAGE)
    assert recompute_status([service.pk]) == []


def test_desk_sets_status_by_hand_overriding_derivation(service, desk_agent, fake_causes):
    fake_causes(service, Status.MAJOR_OUTAGE)
    state = set_service_status(service=service, status=Status.PARTIAL_OUTAGE,
                               reason="Only gas shippers affected", by=desk_agent)
    assert state.status == Status.PARTIAL_OUTAGE
    current = StatusInterval.objects.current().get(service=service)
    assert (current.cause, current.set_by, current.reason) == (
        Cause.MANUAL, desk_agent, "Only gas shippers affected")

    state = return_to_automatic(service=service, reason="Back to incident", by=desk_agent)
    assert state.status == Status.MAJOR_OUTAGE


def test_status_needs_a_reason(service, operations_user):
    with pytest.raises(StatusError, match="reason"):
        set_service_status(service=service, status=Status.DEGRADED, reason="  ",
                           by=operations_user)


def test_unknown_status_is_refused(service, operations_user):
    with pytest.raises(StatusError):
        set_service_status(service=service, status="on_fire", reason="x", by=operations_user)


@pytest.mark.parametrize("who", ["supplier_user", "provider_user", "auditor_user"])
def test_only_desk_and_operations_set_status(service, who, request):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        set_service_status(service=service, status=Status.DEGRADED, reason="x", by=user)


def test_return_to_automatic_needs_a_manual_status(service, desk_agent):
    with pytest.raises(StatusError, match="no manual status"):
        return_to_automatic(service=service, reason="", by=desk_agent)


def test_event_hold_degrades_until_it_expires(service):
    EventFactory(service=service, severity="exception", degrades_until=T0 + timedelta(minutes=30))
    with time_machine.travel(T0, tick=False):
        recompute_all()
    assert ServiceState.objects.get(service=service).status == Status.DEGRADED
    with time_machine.travel(T0 + timedelta(minutes=31), tick=False):
        recompute_all()
    assert ServiceState.objects.get(service=service).status == Status.OPERATIONAL


def test_status_change_emails_subscribers_and_queues_webhooks(
        service, supplier_user, other_supplier_user, fake_causes,
        django_capture_on_commit_callbacks, mailoutbox):
    from servicestatus.factories import WebhookEndpointFactory
    from servicestatus.models import Subscription, WebhookDelivery

    Subscription.objects.create(user=supplier_user, service=service)
    Subscription.objects.create(user=other_supplier_user, service=service)
    endpoint = WebhookEndpointFactory(organisation=supplier_user.organisation, topics=["status"])
    WebhookEndpointFactory(organisation=other_supplier_user.organisation, topics=["bulletin"])
    fake_causes(service, Status.MAJOR_OUTAGE)
    with django_capture_on_commit_callbacks(execute=False):
        recompute_status([service.pk])

    assert sorted(m.to for m in _queued_emails()) == [[supplier_user.email],  # bea
                                                      [other_supplier_user.email]]  # ken
    assert "UK Link is now: Major outage\n(was: Operational)" in _queued_emails()[0].body_text
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.endpoint == endpoint
    assert delivery.payload["status"] == "major_outage"
    assert delivery.payload["service"]["code"] == "uk-link"


def _queued_emails():
    from notifications.models import OutboundEmail

    return list(OutboundEmail.objects.filter(topic="status.changed"))
