"""The move to the kernel's transition record and attachment keeps every change row."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_change_history_and_files_survive_the_move_to_the_kernel(migrator):
    old = migrator("changes", "0003_idempotency_moves_to_kernel")
    provider = old.get_model("accounts", "Organisation").objects.create(
        name="Xoserve", short_code="xoserve", kind="cds_provider", contact_email="x@x.example")
    user = old.get_model("accounts", "User").objects.create(username="xavier",
                                                            organisation=provider)
    change = old.get_model("changes", "ChangeNotification").objects.create(
        reference="CHG-000001", provider=provider, title="UK Link release", description="d",
        risk="r", back_out_plan="b", planned_start="2026-10-10T01:00Z",
        planned_end="2026-10-10T03:00Z", status="submitted")
    old.get_model("changes", "ChangeTransition").objects.create(
        change_notification=change, from_status="draft", to_status="submitted", by=user,
        reason="Ready")
    old.get_model("changes", "ChangeAttachment").objects.create(
        change_notification=change, file="changes/2026/10/1-abcdef.pdf", token="abcdef",
        original_name="Release notes.pdf", content_type="application/pdf", size=1234,
        uploaded_by=user)

    new = migrator("changes", "0004_kernel_transition_record_and_attachment")
    attachment = new.get_model("changes", "ChangeAttachment").objects.get()
    assert (attachment.original_name, attachment.file.name, attachment.size) == (
        "Release notes.pdf", "changes/2026/10/1-abcdef.pdf", 1234)
    row = new.get_model("changes", "ChangeTransition").objects.get()
    assert (row.from_status, row.to_status, row.by_id, row.reason, row.channel) == (
        "draft", "submitted", user.pk, "Ready", "")
