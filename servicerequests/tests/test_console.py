"""The desk's console: queues, recording phone/email requests, approvals and tasks lists."""

import pytest
from django.urls import reverse

from servicerequests import services
from servicerequests.factories import item, raise_request
from servicerequests.models import ServiceRequest

RECORD = "admin:servicerequests_servicerequest_record"


@pytest.fixture(autouse=True)
def _groups(desk_org, operations_org):
    pass


@pytest.mark.parametrize("queue", ["", "?queue=to_start", "?queue=approval",
                                   "?queue=fulfilment", "?queue=breached", "?queue=open"])
def test_request_queues_render_for_the_desk(client, desk_agent, supplier_user, queue):
    sr = raise_request(by=supplier_user)
    client.force_login(desk_agent)
    response = client.get(reverse("admin:servicerequests_servicerequest_changelist") + queue)
    assert response.status_code == 200
    if queue in ("", "?queue=to_start", "?queue=open"):
        assert sr.reference in response.content.decode()


def test_request_detail_approvals_and_tasks_pages_render(client, desk_agent, supplier_user):
    sr = raise_request(code="switching-network-connection", by=supplier_user)
    client.force_login(desk_agent)
    page = client.get(reverse("admin:servicerequests_servicerequest_change", args=[sr.pk]))
    assert page.status_code == 200 and "Timeline" in page.content.decode()
    approvals = client.get(reverse("admin:servicerequests_approval_changelist"))
    assert sr.reference in approvals.content.decode()
    assert client.get(reverse("admin:servicerequests_fulfilmenttask_changelist")
                      ).status_code == 200
    assert client.get(reverse("admin:servicerequests_requestitem_changelist")
                      ).status_code == 200


def test_the_desk_records_an_email_request_in_the_console(client, desk_agent, supplier_user):
    client.force_login(desk_agent)
    url = reverse(RECORD) + "?item=information-request"
    assert "behalf-requester" in client.get(url).content.decode()
    response = client.post(url, {"behalf-requester": supplier_user.pk, "behalf-channel": "email",
                                 "subject": "", "question": "short"})
    assert response.status_code == 200 and not ServiceRequest.objects.exists()
    assert set(response.context["form"].errors) == {"subject", "question"}
    client.post(url, {"behalf-requester": supplier_user.pk, "behalf-channel": "email",
                      "subject": "Volumes", "question": "How many switches failed today?"})
    sr = ServiceRequest.objects.get()
    assert sr.channel == "email" and sr.requester == supplier_user and sr.raised_by == desk_agent


def test_auditors_may_not_record_or_start(client, auditor_user, supplier_user):
    sr = raise_request(by=supplier_user)
    client.force_login(auditor_user)
    assert client.get(reverse(RECORD)).status_code == 403
    client.post(reverse("admin:servicerequests_servicerequest_changelist"),
                {"action": "start_fulfilment", "_selected_action": [sr.pk]})
    sr.refresh_from_db()
    assert sr.status == "submitted"


def test_participants_cannot_open_the_console(client, supplier_user):
    client.force_login(supplier_user)
    response = client.get(reverse("admin:servicerequests_servicerequest_changelist"))
    assert response.status_code == 302  # to the admin login


def test_the_start_action_takes_requests_into_fulfilment(client, desk_agent, supplier_user):
    sr = raise_request(by=supplier_user)
    client.force_login(desk_agent)
    client.post(reverse("admin:servicerequests_servicerequest_changelist"),
                {"action": "start_fulfilment", "_selected_action": [sr.pk]})
    sr.refresh_from_db()
    assert sr.status == "in_fulfilment" and sr.tasks.count() == 1


def test_only_operations_edit_the_catalogue(client, desk_agent, operations_user):
    url = reverse("admin:servicerequests_requestitem_change",
                  args=[item("information-request").pk])
    client.force_login(desk_agent)
    assert client.post(url, {"name": "Changed"}).status_code == 403
    client.force_login(operations_user)
    assert client.get(url).status_code == 200


def test_task_queue_for_a_desk_agent_lists_their_groups_tasks(client, desk_agent,
                                                              supplier_user):
    sr = raise_request(code="password-reset-unlock", by=supplier_user,
                       answers={"username": "bea", "confirm": True})
    services.start_fulfilment(service_request=sr, by=desk_agent)
    client.force_login(desk_agent)
    page = client.get(reverse("admin:servicerequests_fulfilmenttask_changelist") + "?group=mine")
    assert sr.reference in page.content.decode()
