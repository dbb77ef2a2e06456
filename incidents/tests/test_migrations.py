"""The move to the kernel's transition record and attachment keeps every existing row."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE, AFTER = "0004_kpi_period_indexes", "0005_kernel_transition_record_and_attachment"


def test_attachment_names_and_transition_rows_survive_the_move_to_the_kernel(migrator):
    old = migrator("incidents", BEFORE)
    org = old.get_model("accounts", "Organisation").objects.create(
        name="Brightwater Energy", short_code="brightwater", contact_email="ops@bw.example")
    user = old.get_model("accounts", "User").objects.create(username="bea", organisation=org)
    incident = old.get_model("incidents", "Incident").objects.create(
        reference="INC-000001", title="Switches stuck", description="Since 9am",
        organisation=org, raised_by=user, severity=3,
        sla_policy=old.get_model("incidents", "SlaPolicy").objects.get())
    old.get_model("incidents", "IncidentTransition").objects.create(
        incident=incident, from_status="new", to_status="in_progress", reason="On it", by=user)
    old.get_model("incidents", "IncidentAttachment").objects.create(
        incident=incident, file="incidents/2026/10/0f3c", filename="trace.txt",
        content_type="text/plain", size=3, uploaded_by=user)

    new = migrator("incidents", AFTER)
    attachment = new.get_model("incidents", "IncidentAttachment").objects.get()
    assert (attachment.original_name, attachment.file.name, attachment.size) == (
        "trace.txt", "incidents/2026/10/0f3c", 3)
    row = new.get_model("incidents", "IncidentTransition").objects.get()
    assert (row.from_status, row.to_status, row.reason, row.by_id) == (
        "new", "in_progress", "On it", user.pk)
    assert row.channel == ""  # where the old rows came from was never kept
