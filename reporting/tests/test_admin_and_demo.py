"""Console pages follow the policy; demo data loads twice without duplicates."""

import io

import time_machine

from reporting import demo
from reporting.factories import london
from reporting.models import ImprovementOpportunity, KpiReturn, KpiSetting, ServiceReport


def test_console_lets_operations_set_targets_and_auditors_only_read(client, operations_user,
                                                                    auditor_user):
    client.force_login(operations_user)
    assert client.get("/admin/reporting/kpisetting/add/").status_code == 200
    response = client.post("/admin/reporting/kpisetting/add/", {
        "key": "availability", "target": "99", "tolerance": "0.1"})
    assert "set per service in the catalogue" in response.content.decode()
    client.post("/admin/reporting/kpisetting/add/", {"key": "incidents", "tolerance": "2"})
    assert KpiSetting.objects.get().key == "incidents"
    client.force_login(auditor_user)
    assert client.get("/admin/reporting/kpisetting/add/").status_code == 403
    for page in ("kpireturn", "servicereport", "improvementopportunity", "kpisetting"):
        assert client.get(f"/admin/reporting/{page}/").status_code == 200


def test_demo_seed_is_idempotent(db, provider_user, service, operations_user):
    with time_machine.travel(london(2026, 11, 20, 9, 0), tick=False):
        for _ in range(2):
            demo.seed(io.StringIO())
    assert KpiReturn.objects.filter(provider=provider_user.organisation).count() == 1
    assert ServiceReport.objects.filter(status="ready").count() == 2
    assert ImprovementOpportunity.objects.count() == len(demo.CSI)
