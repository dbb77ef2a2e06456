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


def test_assignment_legs_become_provider_tasks_and_major_updates_communications(migrator):
    old = migrator("incidents", "0006_leg_end_reason")
    Organisation = old.get_model("accounts", "Organisation")
    org = Organisation.objects.create(name="Brightwater Energy", short_code="brightwater",
                                      contact_email="ops@bw.example")
    css = Organisation.objects.create(name="CSS Provider", short_code="css",
                                      kind="cds_provider", contact_email="css@example.org")
    dcc = Organisation.objects.create(name="DCC", short_code="dcc", kind="cds_provider",
                                      contact_email="dcc@example.org")
    user = old.get_model("accounts", "User").objects.create(username="bea", organisation=org)
    incident = old.get_model("incidents", "Incident").objects.create(
        reference="INC-000001", title="Switches stuck", description="Since 9am",
        organisation=org, raised_by=user, severity=1,
        sla_policy=old.get_model("incidents", "SlaPolicy").objects.get())
    Leg = old.get_model("incidents", "AssignmentLeg")
    handed = Leg.objects.create(incident=incident, resolver_group=css, reason="Look at CSS",
                                ended_at="2026-11-27T10:30:00Z", ended_because="reassigned")
    running = Leg.objects.create(incident=incident, resolver_group=dcc, reason="DCC now")
    major = old.get_model("incidents", "MajorIncident").objects.create(
        incident=incident, declared_by=user, manager=user, summary="CSS down")
    Update = old.get_model("incidents", "MajorIncidentUpdate")
    Update.objects.create(major_incident=major, body="CSS down", by=user, recipients=12,
                          at="2026-11-27T10:00:00Z")
    Update.objects.create(major_incident=major, body="Fix deployed", by=user, recipients=12,
                          at="2026-11-27T11:00:00Z")

    new = migrator("incidents", "0010_multiparty_tasks_masters_communications")
    Task = new.get_model("incidents", "ProviderTask")
    tasks = {t.pk: t for t in Task.objects.all()}
    assert (tasks[handed.pk].status, tasks[handed.pk].resolver_group_id,
            tasks[handed.pk].reason) == ("handed_over", css.pk, "Look at CSS")
    assert (tasks[running.pk].status, tasks[running.pk].ended_at) == ("open", None)
    assert new.get_model("incidents", "Incident").objects.get().tasks.count() == 2
    sent = list(new.get_model("incidents", "Communication").objects.order_by("at")
                .values_list("kind", "body", "organisations_told", "market_wide"))
    assert sent == [("raise", "CSS down", 12, True), ("update", "Fix deployed", 12, True)]
    assert dict(new.get_model("incidents", "CommunicationCadence").objects.values_list(
        "severity", "minutes"))[1] == 30
