import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from changes import services as change_services
from changes.errors import InvalidTransition
from changes.models import ChangeNotification, ChangeTransition

S = ChangeNotification.Status


def act(change, action, by, reason="because"):
    return change_services.perform_action(change_notification=change, action=action, by=by,
                                          reason=reason)


def test_reference_follows_the_primary_key(make_change, service):
    change = make_change([service])
    assert change.reference == f"CHG-{change.pk:06d}"


def test_whole_life_records_every_step(make_change, service, provider_user, operations_user):
    change = make_change([service])
    act(change, "submit", provider_user)
    act(change, "assess", operations_user)
    act(change, "approve", operations_user)
    act(change, "start", provider_user)
    act(change, "complete", provider_user)
    act(change, "review", operations_user)
    change = act(change, "close", operations_user)
    assert change.status == S.CLOSED
    rows = list(ChangeTransition.objects.filter(change_notification=change)
                .values_list("from_status", "to_status", "by__username"))
    assert rows == [
        ("draft", "submitted", "xavier"), ("submitted", "under_assessment", "olu"),
        ("under_assessment", "approved", "olu"), ("approved", "in_progress", "xavier"),
        ("in_progress", "implemented", "xavier"), ("implemented", "reviewed", "olu"),
        ("reviewed", "closed", "olu"),
    ]
    assert change.submitted_at and change.approved_at and change.approved_by.username == "olu"


@pytest.mark.parametrize("status,action", [
    ("draft", "start"), ("draft", "complete"), ("submitted", "start"),
    ("approved", "complete"), ("approved", "submit"), ("in_progress", "withdraw"),
    ("implemented", "start"), ("implemented", "close"),
])
def test_invalid_transitions_are_refused_with_a_reason(make_change, service, operations_user,
                                                       status, action):
    change = make_change([service], status=status)
    with pytest.raises(InvalidTransition) as exc:
        act(change, action, operations_user)
    assert change.reference in str(exc.value)
    change.refresh_from_db()
    assert change.status == status


def test_terminal_states_allow_nothing(make_change, service, operations_user):
    change = make_change([service], status="submitted")
    act(change, "withdraw", operations_user)
    for action in ("submit", "assess", "approve", "start", "withdraw"):
        with pytest.raises(InvalidTransition):
            act(change, action, operations_user)


def test_approving_a_submitted_change_records_the_assessment_step(make_change, service,
                                                                  operations_user):
    change = act(make_change([service], status="submitted"), "approve", operations_user)
    assert list(change.transitions.values_list("to_status", flat=True)) == [
        "submitted", "under_assessment", "approved"]


def test_cannot_submit_without_affected_services(make_change, provider_user):
    change = make_change([])
    with pytest.raises(InvalidTransition, match="affected service"):
        act(change, "submit", provider_user)


def test_provider_cannot_approve_its_own_change(make_change, service, provider_user):
    change = make_change([service], status="under_assessment")
    with pytest.raises(PermissionDenied):
        act(change, "approve", provider_user)


def test_other_provider_cannot_act_on_a_change(make_change, service, other_provider_user):
    with pytest.raises(PermissionDenied):
        act(make_change([service]), "submit", other_provider_user)


def test_participant_and_auditor_cannot_act(make_change, service, supplier_user, auditor_user):
    change = make_change([service])
    for user in (supplier_user, auditor_user):
        with pytest.raises(PermissionDenied):
            act(change, "submit", user)


def test_desk_may_record_provider_steps_but_not_decide(make_change, service, desk_agent):
    change = act(make_change([service]), "submit", desk_agent)
    assert change.status == S.SUBMITTED
    with pytest.raises(PermissionDenied):
        act(change, "approve", desk_agent)


def test_rejection_and_failure_need_a_reason(make_change, service, operations_user):
    change = make_change([service], status="under_assessment")
    with pytest.raises(ValidationError):
        act(change, "reject", operations_user, reason="  ")
    started = make_change([service], status="in_progress")
    with pytest.raises(ValidationError):
        act(started, "fail", operations_user, reason="")
    assert act(started, "back_out", operations_user, "Errors after cut-over").status == S.BACKED_OUT


def test_unknown_action_is_a_validation_error(make_change, service, operations_user):
    with pytest.raises(ValidationError):
        act(make_change([service]), "explode", operations_user)


def test_emergency_change_may_start_before_approval_and_is_approved_after(
        make_change, service, provider_user, operations_user):
    change = make_change([service], status="submitted", change_type="emergency")
    change = act(change, "start", provider_user)
    assert change.status == S.IN_PROGRESS and change.needs_retrospective_approval
    change = act(change, "complete", provider_user)
    with pytest.raises(InvalidTransition, match="retrospectively"):
        act(change, "review", operations_user)
    change = act(change, "approve_retrospectively", operations_user, "Fix for a Sev1")
    assert change.approved_retrospectively and change.status == S.IMPLEMENTED
    assert change.transitions.filter(is_retrospective_approval=True).count() == 1
    assert change.warnings.get(kind="emergency").message == (
        "Emergency change approved retrospectively.")
    assert act(change, "review", operations_user).status == S.REVIEWED


def test_normal_change_cannot_start_before_approval(make_change, service, provider_user):
    with pytest.raises(InvalidTransition):
        act(make_change([service], status="submitted"), "start", provider_user)


def test_retrospective_approval_only_for_unapproved_emergencies(make_change, service,
                                                                operations_user):
    with pytest.raises(InvalidTransition):
        act(make_change([service], status="in_progress"), "approve_retrospectively",
            operations_user)


def test_major_change_needs_evaluation_before_approval_and_review_after(
        make_change, service, operations_user):
    change = make_change([service], status="under_assessment", change_type="major")
    with pytest.raises(InvalidTransition, match="evaluation"):
        act(change, "approve", operations_user)
    change_services.add_review(change_notification=change, kind="evaluation",
                               summary="Impact understood", by=operations_user)
    act(change, "approve", operations_user)
    act(change, "start", operations_user)
    act(change, "complete", operations_user)
    with pytest.raises(InvalidTransition, match="post-implementation"):
        act(change, "review", operations_user)
    change_services.add_review(change_notification=change, kind="pir", summary="Went well",
                               by=operations_user)
    assert act(change, "review", operations_user).status == S.REVIEWED


def test_only_drafts_can_be_edited(make_change, service, provider_user):
    change = make_change([service], status="submitted")
    with pytest.raises(InvalidTransition, match="only a draft"):
        change_services.update_draft(change_notification=change, by=provider_user,
                                     changes={"title": "New"})


def test_edit_rejects_end_before_start(make_change, service, provider_user):
    change = make_change([service])
    with pytest.raises(ValidationError):
        change_services.update_draft(change_notification=change, by=provider_user,
                                     changes={"planned_end": change.planned_start})


def test_visible_to(make_change, service, provider_user, other_provider_user, supplier_user,
                    auditor_user, desk_agent, django_user_model):
    change = make_change([service])
    assert list(ChangeNotification.objects.visible_to(provider_user)) == [change]
    assert not ChangeNotification.objects.visible_to(other_provider_user).exists()
    assert not ChangeNotification.objects.visible_to(supplier_user).exists()
    assert ChangeNotification.objects.visible_to(auditor_user).exists()
    assert ChangeNotification.objects.visible_to(desk_agent).exists()
    provider_user.is_active = False
    assert not ChangeNotification.objects.visible_to(provider_user).exists()


def test_scheduled_is_approved_and_in_progress(make_change, service):
    approved = make_change([service], status="approved")
    started = make_change([service], status="in_progress")
    make_change([service], status="submitted")
    assert set(ChangeNotification.objects.scheduled()) == {approved, started}


def test_change_signal_sent_after_commit(make_change, service, provider_user,
                                         django_capture_on_commit_callbacks):
    from changes.signals import change_notification_changed

    received = []

    def listener(sender, change_notification, **kwargs):
        received.append(change_notification.status)

    change_notification_changed.connect(listener)
    try:
        change = make_change([service])
        with django_capture_on_commit_callbacks(execute=True):
            act(change, "submit", provider_user)
    finally:
        change_notification_changed.disconnect(listener)
    assert received == ["submitted"]
