"""The move to the kernel's transition record keeps every CSI register row."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_csi_history_survives_the_move_to_the_kernel(migrator):
    old = migrator("reporting", "0002_report_heartbeat")
    user = old.get_model("accounts", "User").objects.create(username="olu", role="operations")
    entry = old.get_model("reporting", "ImprovementOpportunity").objects.create(
        title="Faster Sev2 fixes", description="d", source="review", owner=user,
        status="approved")
    Row = old.get_model("reporting", "ImprovementTransition")
    Row.objects.create(opportunity=entry, to_status="proposed", by=user)
    Row.objects.create(opportunity=entry, from_status="proposed", to_status="approved", by=user,
                       reason="Agreed")

    new = migrator("reporting", "0003_csi_transition_record")
    rows = new.get_model("reporting", "ImprovementTransition").objects.order_by("pk")
    assert [(r.from_status, r.to_status, r.reason, r.channel) for r in rows] == [
        ("", "proposed", "", ""), ("proposed", "approved", "Agreed", "")]
