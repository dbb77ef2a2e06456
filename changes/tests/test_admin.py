import pytest

from changes import services as change_services
from changes.factories import CoordinationMeetingFactory
from changes.models import AgendaItem, ChangeFreeze, ChangeNotification

LIST = "/admin/changes/changenotification/"


def test_operations_sees_list_with_warnings_and_filters(as_user, operations_user, make_change,
                                                        service):
    first = make_change([service], status="submitted")
    make_change([service], status="submitted")
    client = as_user(operations_user)
    page = client.get(LIST)
    assert page.status_code == 200 and first.reference in page.content.decode()
    assert "Clash on the same service" in page.content.decode()
    assert client.get(LIST, {"warning": "same_service"}).status_code == 200
    assert client.get(LIST, {"warning": "nonsense"}).status_code == 200
    detail = client.get(f"{LIST}{first.pk}/change/")
    assert detail.status_code == 200


def test_console_actions_drive_the_lifecycle(as_user, operations_user, make_change, service):
    change = make_change([service], status="submitted")
    client = as_user(operations_user)
    client.post(LIST, {"action": "action_reject", "_selected_action": [change.pk], "reason": ""})
    change.refresh_from_db()
    assert change.status == "submitted"  # a rejection needs a reason
    client.post(LIST, {"action": "action_approve", "_selected_action": [change.pk],
                       "reason": "CCG agreed"})
    change.refresh_from_db()
    assert change.status == "approved"
    assert change.transitions.last().reason == "CCG agreed"


def test_auditor_reads_but_cannot_act(as_user, auditor_user, make_change, service):
    change = make_change([service], status="submitted")
    client = as_user(auditor_user)
    assert client.get(LIST).status_code == 200
    client.post(LIST, {"action": "action_approve", "_selected_action": [change.pk]})
    change.refresh_from_db()
    assert change.status == "submitted"


def test_desk_cannot_approve_in_the_console(as_user, desk_agent, make_change, service):
    change = make_change([service], status="submitted")
    as_user(desk_agent).post(LIST, {"action": "action_approve", "_selected_action": [change.pk],
                                    "reason": "x"})
    change.refresh_from_db()
    assert change.status == "submitted"


@pytest.mark.parametrize("fixture", ["provider_user", "supplier_user"])
def test_outside_parties_cannot_open_the_console(as_user, request, fixture):
    user = request.getfixturevalue(fixture)
    assert as_user(user).get(LIST).status_code == 302


def test_operations_creates_a_freeze(as_user, operations_user):
    response = as_user(operations_user).post("/admin/changes/changefreeze/add/", {
        "name": "Christmas", "reason": "Industry freeze", "recurrence": "one_off",
        "starts_at_0": "2026-12-18", "starts_at_1": "17:00",
        "ends_at_0": "2027-01-04", "ends_at_1": "09:00", "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    freeze = ChangeFreeze.objects.get()
    assert freeze.created_by == operations_user


def test_desk_cannot_create_a_freeze(as_user, desk_agent):
    response = as_user(desk_agent).get("/admin/changes/changefreeze/add/")
    assert response.status_code == 403


def test_meeting_decision_in_the_console_performs_the_transition(as_user, operations_user,
                                                                 make_change, service):
    scheduled = make_change([service], status="approved")
    change = make_change([service], status="submitted")
    meeting = CoordinationMeetingFactory()
    change_services.build_agenda(meeting=meeting, by=operations_user)
    item = meeting.items.get()
    client = as_user(operations_user)
    page = client.get(f"/admin/changes/coordinationmeeting/{meeting.pk}/change/")
    assert page.status_code == 200 and change.reference in page.content.decode()
    # The agenda shows why: the clash with the scheduled change.
    assert f"Overlaps {scheduled.reference}" in page.content.decode()
    response = client.post(f"/admin/changes/coordinationmeeting/{meeting.pk}/change/", {
        "title": meeting.title, "scheduled_for_0": "2026-12-01", "scheduled_for_1": "10:00",
        "status": "held", "chair": "", "minutes": "Agreed.",
        "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "1", "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000", "items-0-id": item.pk, "items-0-meeting": meeting.pk,
        "items-0-position": "1", "items-0-decision": "approve",
        "items-0-rationale": "No clashes",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AgendaItem.objects.get().decision == "approve"
    assert ChangeNotification.objects.get(pk=change.pk).status == "approved"


def test_build_agenda_action(as_user, operations_user, make_change, service):
    make_change([service], status="submitted")
    meeting = CoordinationMeetingFactory()
    as_user(operations_user).post("/admin/changes/coordinationmeeting/", {
        "action": "build_agenda", "_selected_action": [meeting.pk]})
    assert meeting.items.count() == 1


def test_operations_records_an_evaluation_in_the_console(as_user, operations_user, make_change,
                                                         service):
    change = make_change([service], status="under_assessment", change_type="major")
    prefixes = {"impacts": 1, "warnings": 0, "consultations": 0, "transitions": 2}
    data = {"reviews-TOTAL_FORMS": "1", "reviews-INITIAL_FORMS": "0",
            "reviews-0-kind": "evaluation", "reviews-0-summary": "Impact understood",
            "reviews-0-recommendation": "Approve", "reviews-0-change_notification": change.pk}
    for prefix, count in prefixes.items():
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = str(count)
    client = as_user(operations_user)
    page = client.get(f"{LIST}{change.pk}/change/")
    assert page.status_code == 200
    response = client.post(f"{LIST}{change.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    review = change.reviews.get()
    assert review.author == operations_user and review.kind == "evaluation"
