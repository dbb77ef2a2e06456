"""Portal pages: who may see which report, downloads, progress, dashboard, CSI register."""

import pytest
import time_machine

from changes.models import ChangeNotification
from reporting import generation
from reporting.factories import ImprovementFactory, london
from reporting.models import ImprovementOpportunity, ServiceReport

from .conftest import AFTER


@pytest.fixture
def reports(db):
    """A ready internal and a ready, published participant edition of October."""
    made = {}
    with time_machine.travel(AFTER, tick=False):
        for edition in ServiceReport.Edition.values:
            row = ServiceReport.objects.create(period="2026-10", edition=edition,
                                               trigger=ServiceReport.Trigger.SCHEDULE)
            made[edition] = generation.generate(row.pk, now=AFTER)
    return made


def test_participants_see_and_download_only_the_published_participant_edition(
        client, supplier_user, reports):
    client.force_login(supplier_user)
    page = client.get("/reports/").content.decode()
    internal, public = reports["internal"], reports["participant"]
    assert f"/reports/{public.pk}/" in page and f"/reports/{internal.pk}/" not in page
    assert client.get(f"/reports/{internal.pk}/").status_code == 404
    assert client.get(f"/reports/{internal.pk}/download/pdf/").status_code == 404
    response = client.get(f"/reports/{public.pk}/download/xlsx/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert client.get(f"/reports/{public.pk}/download/exe/").status_code == 404


def test_operations_and_auditors_download_the_full_report(client, operations_user,
                                                          auditor_user, reports):
    for user in (operations_user, auditor_user):
        client.force_login(user)
        response = client.get(f"/reports/{reports['internal'].pk}/download/pdf/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_only_operations_may_request_a_report(client, auditor_user, operations_user,
                                              django_capture_on_commit_callbacks):
    client.force_login(auditor_user)
    assert client.post("/reports/request/", {"period": "2026-10"}).status_code == 403
    assert client.get("/reports/request/").status_code == 405
    client.force_login(operations_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/reports/request/", {"period": "2026-10",
                                                     "edition": "participant"})
    report = ServiceReport.objects.get()
    assert response.url == f"/reports/{report.pk}/" and len(callbacks) == 1
    page = client.get(response.url).content.decode()
    assert 'http-equiv="refresh"' in page and "<progress" in page
    assert client.get(f"/reports/{report.pk}/progress.json").json() == {
        "status": "queued", "progress": 0, "finished": False}


def test_anonymous_users_are_sent_to_sign_in(client):
    assert client.get("/reports/").status_code == 302


def test_dashboard_is_internal_and_its_query_count_is_bounded(
        client, supplier_user, desk_agent, october, django_assert_max_num_queries):
    client.force_login(supplier_user)
    assert client.get("/reports/dashboard/").status_code == 404
    client.force_login(desk_agent)
    with time_machine.travel(london(2026, 10, 31, 23, 45), tick=False):
        with django_assert_max_num_queries(30):
            response = client.get("/reports/dashboard/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in page and "Open incidents: 1" in page  # E, raised 23:30
    assert "Resolved within SLA, October 2026" in page


def test_csi_register_lifecycle_records_every_move(client, operations_user, auditor_user,
                                                   supplier_user):
    entry = ImprovementFactory()
    client.force_login(supplier_user)
    assert client.get(f"/reports/csi/{entry.pk}/").status_code == 404
    client.force_login(auditor_user)
    assert client.post(f"/reports/csi/{entry.pk}/", {"to": "approved"}).status_code == 403
    client.force_login(operations_user)
    page = client.post(f"/reports/csi/{entry.pk}/", {"to": "approved"}).content.decode()
    assert "owner before approving" in page
    entry.owner = operations_user
    entry.save(update_fields=["owner"])
    client.post(f"/reports/csi/{entry.pk}/", {"to": "approved", "reason": "Worth it"})
    client.post(f"/reports/csi/{entry.pk}/", {"to": "closed"})  # not allowed from approved
    entry.refresh_from_db()
    assert entry.status == "approved"
    assert [(t.from_status, t.to_status) for t in entry.transitions.all()] == [
        ("proposed", "approved")]


def test_operations_record_an_opportunity_from_the_register(client, operations_user):
    client.force_login(operations_user)
    response = client.post("/reports/csi/", {
        "title": "Automate MPAS hand-offs", "description": "Hand-offs by email are slow.",
        "source": "review", "benefit": "Sev3 resolution 10 % faster."})
    entry = ImprovementOpportunity.objects.get()
    assert response.url == f"/reports/csi/{entry.pk}/"
    assert entry.transitions.get().by == operations_user


def test_returns_page_shows_missing_returns_to_operations(client, operations_user,
                                                          provider_user, service):
    client.force_login(operations_user)
    with time_machine.travel(london(2026, 11, 20, 9, 0), tick=False):
        page = client.get("/reports/returns/?period=2026-10").content.decode()
    assert "Xoserve" in page and "Missing" in page
    client.force_login(provider_user)
    assert client.get("/reports/returns/").status_code == 200


def test_changes_of_the_week_reach_the_dashboard(client, desk_agent, provider_org, service):
    from changes.factories import ChangeNotificationFactory

    with time_machine.travel(london(2026, 10, 28, 9, 0), tick=False):
        ChangeNotificationFactory(provider=provider_org, title="Certificate renewal",
                                  status=ChangeNotification.Status.APPROVED,
                                  planned_start=london(2026, 10, 29, 2, 0),
                                  planned_end=london(2026, 10, 29, 4, 0))
        client.force_login(desk_agent)
        page = client.get("/reports/dashboard/").content.decode()
    assert "Certificate renewal" in page and "Normal: 1" in page


def test_a_provider_sees_its_own_return_page_and_404_for_anothers(client, provider_user,
                                                                  other_provider_user):
    from reporting.factories import KpiReturnFactory

    own = KpiReturnFactory(provider=provider_user.organisation, submitted_by=provider_user)
    client.force_login(other_provider_user)
    assert client.get(f"/reports/returns/{own.pk}/").status_code == 404
    client.force_login(provider_user)
    page = client.get(f"/reports/returns/{own.pk}/").content.decode()
    assert own.reference in page and "Against the CSMS measurements" not in page
