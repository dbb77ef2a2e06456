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


def test_operations_read_the_report_page_for_this_month(client, make_change, service,
                                                        operations_user):
    make_change([service], status="submitted", change_type="major")
    make_change([service], status="submitted", change_type="emergency")
    client.force_login(operations_user)
    response = client.get("/changes/report/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<strong id="kpi-major">1</strong>' in body
    assert '<strong id="kpi-emergency">1</strong>' in body
    assert "Xoserve" in body


def test_report_filters_by_provider(client, make_change, service, other_provider_org,
                                    auditor_user):
    make_change([service], status="submitted", change_type="major")
    client.force_login(auditor_user)
    response = client.get("/changes/report/", {"provider": other_provider_org.short_code})
    assert '<strong id="kpi-major">0</strong>' in response.content.decode()


def test_a_bad_period_is_a_form_error_not_a_crash(client, operations_user):
    client.force_login(operations_user)
    response = client.get("/changes/report/", {"period": "last tuesday"})
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()


def test_participants_and_providers_cannot_read_the_report(client, supplier_user, provider_user):
    for user in (supplier_user, provider_user):
        client.force_login(user)
        assert client.get("/changes/report/").status_code == 403
