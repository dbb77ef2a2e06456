from datetime import timedelta

from django.utils import timezone

from changes.reports import change_kpis


def test_kpis_count_types_outcomes_and_conflicts(make_change, service, operations_user):
    from changes.services import perform_action

    make_change([service], status="implemented", change_type="normal")
    failed = make_change([service], status="in_progress", change_type="emergency")
    perform_action(change_notification=failed, action="fail", by=operations_user, reason="bad")
    make_change([service], status="submitted", change_type="major")
    make_change([service], status="submitted")  # clashes with the major change
    make_change([service])  # a draft is not counted
    now = timezone.now()
    kpis = change_kpis(start=now - timedelta(days=1), end=now + timedelta(days=1))
    assert kpis["submitted"] == 4
    assert kpis["major"] == 1 and kpis["emergency"] == 1
    assert kpis["outcomes"] == {"implemented": 1, "failed": 1, "backed_out": 0}
    assert kpis["success_rate"] == 0.5
    assert kpis["with_conflicts"] == 2 and kpis["by_provider"] == {"Xoserve": 4}
