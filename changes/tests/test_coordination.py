import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from changes import services as change_services
from changes.errors import InvalidTransition
from changes.factories import CoordinationMeetingFactory
from changes.models import AgendaItem, ChangeNotification, ConsultationRequest
from notifications.models import OutboundEmail
from services.factories import ServiceDependencyFactory

from .conftest import uk_time


@pytest.fixture
def dependent(other_service, service):
    """ECOES (Gemserv) needs UK Link (Xoserve), so Gemserv is consulted on UK Link changes."""
    ServiceDependencyFactory(service=other_service, depends_on=service)
    return other_service


def submit(change, by):
    return change_services.perform_action(change_notification=change, action="submit", by=by)


def test_submit_consults_providers_of_dependent_services(make_change, service, dependent,
                                                         provider_user, other_provider_org):
    with time_machine.travel(uk_time(2026, 12, 23, 10, 0), tick=False):
        change = make_change([service], start=uk_time(2027, 2, 1, 1), end=uk_time(2027, 2, 1, 3))
        submit(change, provider_user)
    request = ConsultationRequest.objects.get()
    assert request.organisation == other_provider_org
    assert list(request.services.all()) == [dependent]
    # 3 working days after Wed 23 Dec 2026, skipping Christmas and Boxing Day (Mon 28): Wed 30.
    assert request.deadline == uk_time(2026, 12, 30, 17, 0)
    email = OutboundEmail.objects.get(topic="change.consultation")
    assert "contact@gemserv.example" in email.to and change.reference in email.subject


def test_submitter_is_not_consulted_about_its_own_services(make_change, service, provider_user):
    submit(make_change([service]), provider_user)
    assert not ConsultationRequest.objects.exists()


def test_deadline_is_never_after_the_start(make_change, service, dependent, provider_user):
    with time_machine.travel(uk_time(2027, 1, 4, 9, 0), tick=False):
        change = make_change([service], start=uk_time(2027, 1, 5, 1), end=uk_time(2027, 1, 5, 2))
        submit(change, provider_user)
    assert ConsultationRequest.objects.get().deadline == uk_time(2027, 1, 5, 1)


def test_non_responses_are_overdue_after_the_deadline(make_change, service, dependent,
                                                      provider_user):
    submit(make_change([service]), provider_user)
    request = ConsultationRequest.objects.get()
    assert not ConsultationRequest.objects.overdue().exists()
    with time_machine.travel(request.deadline.timestamp() + 60):
        assert list(ConsultationRequest.objects.overdue()) == [request]
        assert request.is_overdue


def test_only_the_consulted_provider_answers(make_change, service, dependent, provider_user,
                                             other_provider_user):
    submit(make_change([service]), provider_user)
    request = ConsultationRequest.objects.get()
    with pytest.raises(PermissionDenied):
        change_services.respond_to_consultation(consultation=request, by=provider_user,
                                                response="no_impact")
    with pytest.raises(ValidationError):
        change_services.respond_to_consultation(consultation=request, by=other_provider_user,
                                                response="maybe")
    change_services.respond_to_consultation(consultation=request, by=other_provider_user,
                                            response="no_impact")
    request.refresh_from_db()
    assert request.response == "no_impact" and request.responded_by == other_provider_user


def test_submission_tells_switching_operations(make_change, service, provider_user,
                                               operations_user):
    change = make_change([service])
    submit(change, provider_user)
    email = OutboundEmail.objects.get(topic="change.submitted")
    assert email.to == [operations_user.organisation.contact_email]


# --- Change Co-ordination Group --------------------------------------------
def test_agenda_is_built_from_notifications_awaiting_decision(make_change, service,
                                                              operations_user):
    submitted = make_change([service], status="submitted")
    assessing = make_change([service], status="under_assessment")
    make_change([service], status="approved")
    make_change([service])
    meeting = CoordinationMeetingFactory()
    assert change_services.build_agenda(meeting=meeting, by=operations_user) == 2
    assert change_services.build_agenda(meeting=meeting, by=operations_user) == 0
    assert {i.change_notification for i in meeting.items.all()} == {submitted, assessing}


def test_only_operations_builds_the_agenda(desk_agent):
    with pytest.raises(PermissionDenied):
        change_services.build_agenda(meeting=CoordinationMeetingFactory(), by=desk_agent)


def test_decisions_perform_the_transition_and_notify_the_submitter(
        make_change, service, operations_user, provider_user):
    approve_me = make_change([service], status="submitted", contact=provider_user)
    reject_me = make_change([service], status="under_assessment")
    defer_me = make_change([service], status="submitted")
    meeting = CoordinationMeetingFactory()
    change_services.build_agenda(meeting=meeting, by=operations_user)
    items = {i.change_notification_id: i for i in meeting.items.all()}
    change_services.record_decision(item=items[approve_me.pk], decision="approve",
                                    rationale="No clashes", by=operations_user)
    change_services.record_decision(item=items[reject_me.pk], decision="reject",
                                    rationale="Clashes with CSS release", by=operations_user)
    change_services.record_decision(item=items[defer_me.pk], decision="defer",
                                    rationale="Await consultation", by=operations_user)
    statuses = dict(ChangeNotification.objects.values_list("pk", "status"))
    assert statuses[approve_me.pk] == "approved"
    assert statuses[reject_me.pk] == "rejected"
    assert statuses[defer_me.pk] == "submitted"
    topics = sorted(OutboundEmail.objects.filter(topic__in=[
        "change.approve", "change.reject", "change.defer"]).values_list("topic", flat=True))
    assert topics == ["change.approve", "change.defer", "change.reject"]
    approved_email = OutboundEmail.objects.get(topic="change.approve")
    assert provider_user.email in approved_email.to and "No clashes" in approved_email.body_text
    with pytest.raises(InvalidTransition):
        change_services.record_decision(item=items[approve_me.pk], decision="reject",
                                        rationale="changed our mind", by=operations_user)


def test_decision_needs_a_rationale_and_operations(make_change, service, operations_user,
                                                   desk_agent):
    make_change([service], status="submitted")
    meeting = CoordinationMeetingFactory()
    change_services.build_agenda(meeting=meeting, by=operations_user)
    item = meeting.items.get()
    with pytest.raises(ValidationError):
        change_services.record_decision(item=item, decision="approve", rationale=" ",
                                        by=operations_user)
    with pytest.raises(PermissionDenied):
        change_services.record_decision(item=item, decision="approve", rationale="ok",
                                        by=desk_agent)
    assert AgendaItem.objects.get().decision == "pending"


def test_subscribers_hear_about_scheduled_changes_on_their_services(
        make_change, service, other_service, supplier_user, other_supplier_user,
        operations_user):
    change_services.set_subscriptions(user=supplier_user, services=[service])
    change_services.set_subscriptions(user=other_supplier_user, services=[other_service])
    make_change([service], status="approved")
    email = OutboundEmail.objects.get(topic="change.schedule")
    assert email.to == [supplier_user.email]
    change_services.set_subscriptions(user=supplier_user, services=[])
    assert not supplier_user.change_subscriptions.exists()


def test_attachment_type_and_size_limits(make_change, service, provider_user,
                                         other_provider_user, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    change = make_change([service])
    ok = change_services.add_attachment(
        change_notification=change, by=provider_user,
        upload=SimpleUploadedFile("plan.pdf", b"%PDF-1.4", content_type="text/html"))
    assert ok.content_type == "application/pdf" and ok.size == 8
    with pytest.raises(ValidationError):
        change_services.add_attachment(change_notification=change, by=provider_user,
                                       upload=SimpleUploadedFile("run.exe", b"MZ"))
    big = SimpleUploadedFile("big.txt", b"x" * (10 * 1024 * 1024 + 1))
    with pytest.raises(ValidationError):
        change_services.add_attachment(change_notification=change, by=provider_user, upload=big)
    with pytest.raises(PermissionDenied):
        change_services.add_attachment(change_notification=change, by=other_provider_user,
                                       upload=SimpleUploadedFile("a.txt", b"hi"))


