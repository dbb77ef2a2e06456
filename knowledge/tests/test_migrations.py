"""The moves to the kernel's transition record and attachment keep every knowledge row."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _people(apps):
    org = apps.get_model("accounts", "Organisation").objects.create(
        name="Xoserve", short_code="xoserve", kind="cds_provider", contact_email="x@x.example")
    return org, apps.get_model("accounts", "User").objects.create(username="olu", role="operations")


def test_problem_history_survives_the_move_to_the_kernel(migrator):
    old = migrator("knowledge", "0002_search_indexes")
    org, user = _people(old)
    problem = old.get_model("knowledge", "Problem").objects.create(
        title="Gas switches stuck", owning_provider=org, created_by=user, status="investigating")
    old.get_model("knowledge", "ProblemTransition").objects.create(
        problem=problem, action="investigate", from_status="new", to_status="investigating",
        by=user, reason="Recurring")

    new = migrator("knowledge", "0003_problem_transition_record")
    row = new.get_model("knowledge", "ProblemTransition").objects.get()
    assert (row.action, row.from_status, row.to_status, row.by_id, row.reason, row.channel) == (
        "investigate", "new", "investigating", user.pk, "Recurring", "")
