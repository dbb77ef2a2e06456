"""Request flows: approval, rejection, fulfilment tasks, invalid moves, approver roles."""

import pytest

from servicerequests import services
from servicerequests.errors import InvalidAnswers, InvalidTransition, NotAllowed
from servicerequests.factories import item, raise_request
from servicerequests.models import FulfilmentTask, ServiceRequest, Status


@pytest.fixture(autouse=True)
def _groups(desk_org, operations_org):
    """The desk and Operations exist, so fulfilment tasks have somewhere to go."""


def test_a_request_gets_a_reference_a_submitted_row_and_clocks(supplier_user):
    sr = raise_request(by=supplier_user)
    assert sr.reference.startswith("REQ-") and len(sr.reference) == 10
    assert sr.status == Status.SUBMITTED
    assert sr.organisation == supplier_user.organisation and sr.requester == supplier_user
    assert [t.to_status for t in sr.transitions.all()] == ["submitted"]
    assert sr.response_due_at and sr.fulfilment_due_at
    assert raise_request(by=supplier_user).reference != sr.reference


def test_invalid_answers_are_refused_with_field_errors(supplier_user):
    with pytest.raises(InvalidAnswers) as caught:
        raise_request(by=supplier_user, answers={"subject": "", "question": "short"})
    assert set(caught.value.errors) == {"subject", "question"}
    assert not ServiceRequest.objects.exists()


def test_a_participant_cannot_ask_for_an_item_outside_its_audience(provider_user):
    with pytest.raises(NotAllowed):
        raise_request(code="switching-network-connection", by=provider_user)


def test_only_the_desk_records_requests_on_behalf_or_by_phone(supplier_user, supplier_colleague,
                                                              desk_agent):
    with pytest.raises(NotAllowed):
        raise_request(by=supplier_user, requester=supplier_colleague)
    with pytest.raises(NotAllowed):
        raise_request(by=supplier_user, channel="phone")
    sr = raise_request(by=desk_agent, requester=supplier_user, channel="phone")
    assert sr.organisation == supplier_user.organisation and sr.raised_by == desk_agent
    assert sr.get_channel_display().startswith("Phone")


def test_flow_without_approval_start_task_fulfil_close(supplier_user, desk_agent, mailoutbox):
    sr = raise_request(by=supplier_user)
    services.start_fulfilment(service_request=sr, by=desk_agent)
    sr.refresh_from_db()
    assert sr.status == Status.IN_FULFILMENT and sr.responded_at is not None
    task = sr.tasks.get()
    assert task.assigned_group.kind == "switching_operations"  # information requests go to SO
    with pytest.raises(InvalidTransition, match="open fulfilment tasks"):
        services.fulfil(service_request=sr, by=desk_agent, outcome="Sent the figures")
    services.move_task(task=task, by=desk_agent, to="done", notes="Figures emailed")
    services.fulfil(service_request=sr, by=desk_agent, outcome="Sent the figures")
    services.close(service_request=sr, by=supplier_user, reason="Thanks")
    sr.refresh_from_db()
    assert sr.status == Status.CLOSED
    assert [t.to_status for t in sr.transitions.all()] == [
        "submitted", "in_fulfilment", "fulfilled", "closed"]
    assert all(t.by is not None for t in sr.transitions.all())


def test_flow_with_approval_by_operations(supplier_user, operations_user, desk_agent):
    sr = raise_request(code="switching-network-connection", by=supplier_user)
    assert sr.status == Status.AWAITING_APPROVAL and sr.approval.decision == "pending"
    with pytest.raises(InvalidTransition, match="cannot be moved to in fulfilment"):
        sr.refresh_from_db()
        services.start_fulfilment(service_request=sr, by=desk_agent)
    services.decide(service_request=sr, by=operations_user, approve=True, comment="Go ahead")
    sr.refresh_from_db()
    assert sr.status == Status.APPROVED
    assert sr.approval.decided_by == operations_user and sr.approval.comment == "Go ahead"
    services.start_fulfilment(service_request=sr, by=desk_agent)
    assert sr.tasks.count() == 1


def test_rejection_needs_a_comment_and_is_final(supplier_user, operations_user, desk_agent):
    sr = raise_request(code="switching-network-connection", by=supplier_user)
    with pytest.raises(InvalidTransition, match="why"):
        services.decide(service_request=sr, by=operations_user, approve=False, comment=" ")
    services.decide(service_request=sr, by=operations_user, approve=False,
                    comment="MPID not registered")
    sr.refresh_from_db()
    assert sr.status == Status.REJECTED and sr.approval.decision == "rejected"
    with pytest.raises(InvalidTransition):
        services.start_fulfilment(service_request=sr, by=desk_agent)
    with pytest.raises(InvalidTransition, match="not awaiting approval"):
        services.decide(service_request=sr, by=operations_user, approve=True)


@pytest.mark.parametrize("who", ["desk_agent", "supplier_user", "supplier_admin",
                                 "auditor_user", "provider_user"])
def test_only_operations_approves_operations_items(request, supplier_colleague, who):
    sr = raise_request(code="switching-network-connection", by=supplier_colleague)
    with pytest.raises(NotAllowed):
        services.decide(service_request=sr, by=request.getfixturevalue(who), approve=True)
    sr.refresh_from_db()
    assert sr.status == Status.AWAITING_APPROVAL


@pytest.mark.parametrize("who", ["operations_user", "desk_agent", "other_supplier_admin",
                                 "supplier_colleague"])
def test_only_the_raisers_own_admin_approves_org_admin_items(request, supplier_user, who):
    sr = raise_request(code="revoke-user", by=supplier_user,
                       answers={"username": supplier_user.username, "reason": "Changed role"})
    with pytest.raises(NotAllowed):
        services.decide(service_request=sr, by=request.getfixturevalue(who), approve=True)


def test_the_org_admin_approves_but_not_their_own_request(supplier_user, supplier_admin):
    sr = raise_request(code="revoke-user", by=supplier_admin,
                       answers={"username": supplier_user.username, "reason": "Changed role"})
    with pytest.raises(NotAllowed, match="not the person who raised it"):
        services.decide(service_request=sr, by=supplier_admin, approve=True)
    mine = raise_request(code="revoke-user", by=supplier_user,
                         answers={"username": supplier_user.username, "reason": "Changed role"})
    services.decide(service_request=mine, by=supplier_admin, approve=True)
    assert ServiceRequest.objects.get(pk=mine.pk).status == Status.APPROVED


def test_invalid_moves_are_refused_with_a_readable_message(supplier_user, desk_agent):
    sr = raise_request(by=supplier_user)
    with pytest.raises(InvalidTransition, match="is submitted; it cannot be moved to closed"):
        services.close(service_request=sr, by=desk_agent)
    with pytest.raises(InvalidTransition):
        services.transition(service_request=sr, by=desk_agent, to="teleported")


def test_participants_cannot_work_requests(supplier_user):
    sr = raise_request(by=supplier_user)
    with pytest.raises(NotAllowed):
        services.start_fulfilment(service_request=sr, by=supplier_user)


def test_cancel_needs_a_reason_and_cancels_open_tasks(supplier_user, desk_agent,
                                                      other_supplier_user):
    sr = raise_request(by=supplier_user)
    services.start_fulfilment(service_request=sr, by=desk_agent)
    with pytest.raises(NotAllowed):
        services.cancel(service_request=sr, by=other_supplier_user, reason="mine now")
    with pytest.raises(InvalidTransition, match="why"):
        services.cancel(service_request=sr, by=supplier_user, reason="")
    services.cancel(service_request=sr, by=supplier_user, reason="No longer needed")
    sr.refresh_from_db()
    assert sr.status == Status.CANCELLED
    assert sr.tasks.get().status == FulfilmentTask.Status.CANCELLED


def test_tasks_go_to_a_provider_who_alone_of_providers_may_work_them(
        supplier_user, desk_agent, provider_org, provider_user, other_provider_user, mailoutbox,
        django_capture_on_commit_callbacks):
    sr = raise_request(by=supplier_user)
    services.start_fulfilment(service_request=sr, by=desk_agent)
    with django_capture_on_commit_callbacks(execute=True):
        task = services.add_task(service_request=sr, by=desk_agent, group=provider_org,
                                 title="Extract UK Link rejections")
    assert any(provider_user.email in m.to for m in mailoutbox)
    with pytest.raises(NotAllowed):
        services.move_task(task=task, by=other_provider_user, to="in_progress")
    with pytest.raises(NotAllowed):
        services.move_task(task=task, by=provider_user, to="cancelled", notes="no")
    services.move_task(task=task, by=provider_user, to="in_progress")
    with pytest.raises(InvalidTransition, match="what was done"):
        services.move_task(task=task, by=provider_user, to="done", notes="")
    services.move_task(task=task, by=provider_user, to="done", notes="Extract attached")
    task.refresh_from_db()
    assert task.status == "done" and [t.to_status for t in task.transitions.all()] == [
        "open", "in_progress", "done"]
    with pytest.raises(InvalidTransition):
        services.move_task(task=task, by=provider_user, to="in_progress")


def test_tasks_cannot_be_handed_to_a_market_participant(supplier_user, desk_agent,
                                                        other_supplier_org):
    sr = raise_request(by=supplier_user)
    services.start_fulfilment(service_request=sr, by=desk_agent)
    with pytest.raises(InvalidTransition):
        services.add_task(service_request=sr, by=desk_agent, group=other_supplier_org,
                          title="Do my work")


def test_notifications_go_through_the_outbox(supplier_user, operations_user, mailoutbox,
                                             django_capture_on_commit_callbacks):
    from notifications.models import OutboundEmail

    with django_capture_on_commit_callbacks(execute=True):
        sr = raise_request(code="switching-network-connection", by=supplier_user)
    subjects = list(OutboundEmail.objects.values_list("subject", flat=True))
    assert f"{sr.reference}: your approval is needed" in subjects
    assert any(operations_user.email in m.to for m in mailoutbox)
    assert any(supplier_user.email in m.to and "we have your request" in m.subject
               for m in mailoutbox)
    assert item("switching-network-connection").name in mailoutbox[0].body


def test_an_admin_cannot_approve_a_request_made_for_them(desk_agent, supplier_admin,
                                                         supplier_user):
    sr = raise_request(code="revoke-user", by=desk_agent, requester=supplier_admin,
                       answers={"username": supplier_user.username, "reason": "Changed role"})
    assert sr not in ServiceRequest.objects.awaiting_decision_by(supplier_admin)
    with pytest.raises(NotAllowed):
        services.decide(service_request=sr, by=supplier_admin, approve=True)
