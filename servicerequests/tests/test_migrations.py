"""The move to the kernel's transition record keeps every request and task row."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_request_and_task_history_survives_the_move_to_the_kernel(migrator):
    old = migrator("servicerequests", "0002_seed_catalogue")
    org = old.get_model("accounts", "Organisation").objects.create(
        name="Brightwater Energy", short_code="brightwater", contact_email="ops@bw.example")
    user = old.get_model("accounts", "User").objects.create(username="bea", organisation=org)
    item = old.get_model("servicerequests", "RequestItem").objects.first()
    version = old.get_model("servicerequests", "RequestSlaVersion").objects.first()
    request = old.get_model("servicerequests", "ServiceRequest").objects.create(
        reference="REQ-000001", item=item, organisation=org, requester=user, raised_by=user,
        sla_version=version, created_at="2026-10-01T09:00Z", status="in_fulfilment")
    old.get_model("servicerequests", "RequestTransition").objects.create(
        request=request, from_status="submitted", to_status="in_fulfilment", by=user,
        at="2026-10-01T09:05Z", reason="Fulfilment started")
    task = old.get_model("servicerequests", "FulfilmentTask").objects.create(
        request=request, title="Fulfil", assigned_group=org, created_by=user,
        created_at="2026-10-01T09:05Z", status="in_progress")
    old.get_model("servicerequests", "TaskTransition").objects.create(
        task=task, from_status="open", to_status="in_progress", at="2026-10-01T09:06Z")

    new = migrator("servicerequests", "0003_kernel_transition_records")
    row = new.get_model("servicerequests", "RequestTransition").objects.get()
    assert (row.from_status, row.to_status, row.by_id, row.reason, row.channel) == (
        "submitted", "in_fulfilment", user.pk, "Fulfilment started", "")
    task_row = new.get_model("servicerequests", "TaskTransition").objects.get()
    assert (task_row.from_status, task_row.to_status, task_row.task_id) == (
        "open", "in_progress", task.pk)
