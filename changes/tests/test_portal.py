from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from changes import services as change_services
from changes.factories import ChangeFreezeFactory
from changes.models import ChangeNotification, ScheduleSubscription
from changes.views_schedule import feed_key
from services.factories import ServiceDependencyFactory

from .conftest import uk_time

UTC = ZoneInfo("UTC")


@pytest.fixture(autouse=True)
def _november_2026():
    with time_machine.travel(uk_time(2026, 11, 2, 9, 0), tick=False):
        yield


# --- schedule ---------------------------------------------------------------
def test_participant_sees_only_the_published_schedule(as_user, supplier_user, make_change,
                                                      service):
    approved = make_change([service], status="approved", title="Visible patching",
                           start=uk_time(2026, 11, 15, 1), end=uk_time(2026, 11, 15, 3))
    make_change([service], status="submitted", title="Secret plan",
                start=uk_time(2026, 11, 16, 1), end=uk_time(2026, 11, 16, 3))
    client = as_user(supplier_user)
    for view in ("month", "week", "list"):
        page = client.get("/changes/", {"view": view, "date": "2026-11-15"})
        assert page.status_code == 200
        assert (approved.reference in page.content.decode()) is True
        assert "Secret plan" not in page.content.decode()
    assert client.get(f"/changes/notifications/{approved.reference}/").status_code == 404
    assert client.get("/changes/notifications/").status_code == 404


def test_schedule_ignores_bad_filters(as_user, supplier_user):
    client = as_user(supplier_user)
    for query in ({"view": "year"}, {"date": "31/02/2026"}, {"date": "9999-01-01"},
                  {"service": "nope"}, {"provider": "<script>"}):
        assert client.get("/changes/", query).status_code == 200


def test_schedule_needs_sign_in(client):
    assert client.get("/changes/").status_code == 302


def test_schedule_filters_by_service_and_shows_freezes(as_user, supplier_user, make_change,
                                                       service, other_service,
                                                       other_provider_org):
    mine = make_change([service], status="approved", start=uk_time(2026, 12, 1, 1),
                       end=uk_time(2026, 12, 1, 2))
    theirs = make_change([other_service], status="approved", provider=other_provider_org,
                         start=uk_time(2026, 12, 1, 1), end=uk_time(2026, 12, 1, 2))
    ChangeFreezeFactory(name="Christmas freeze", starts_at=uk_time(2026, 12, 18),
                        ends_at=uk_time(2027, 1, 4))
    page = as_user(supplier_user).get("/changes/", {"date": "2026-12-01", "service": "uk-link"})
    text = page.content.decode()
    assert mine.reference in text and theirs.reference not in text
    assert "Christmas freeze" in text


def test_times_are_shown_in_uk_time_across_the_clock_change(as_user, supplier_user,
                                                            make_change, service):
    # 30 Mar 2027 00:30 UTC is 01:30 BST; 27 Mar 2027 00:30 UTC is 00:30 GMT.
    make_change([service], status="approved", title="After the change",
                start=datetime(2027, 3, 30, 0, 30, tzinfo=UTC),
                end=datetime(2027, 3, 30, 1, 30, tzinfo=UTC))
    make_change([service], status="approved", title="Before the change",
                start=datetime(2027, 3, 27, 0, 30, tzinfo=UTC),
                end=datetime(2027, 3, 27, 1, 30, tzinfo=UTC))
    text = as_user(supplier_user).get("/changes/", {"date": "2027-03-01"}).content.decode()
    assert "Tue 30 Mar 2027 01:30 BST" in text
    assert "Sat 27 Mar 2027 00:30 GMT" in text


# --- iCalendar and CSV ------------------------------------------------------
def test_ical_feed_with_key_escapes_and_folds(client, supplier_user, make_change, service):
    change = make_change([service], status="approved",
                         title="Patch; reboot, then check\\verify – a very long title " * 3,
                         start=uk_time(2026, 11, 20, 1), end=uk_time(2026, 11, 20, 3))
    response = client.get("/changes/schedule.ics", {"key": feed_key(supplier_user)})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    unfolded = body.replace("\r\n ", "")
    assert f"UID:{change.reference}@" in unfolded
    assert "Patch\\; reboot\\, then check\\\\verify" in unfolded
    assert "DTSTART:20261120T010000Z" in unfolded  # 01:00 GMT


def test_ical_feed_refuses_a_bad_key_and_per_service_feed_filters(client, supplier_user,
                                                                  make_change, service,
                                                                  other_service,
                                                                  other_provider_org):
    assert client.get("/changes/schedule.ics", {"key": "forged"}).status_code == 404
    assert client.get("/changes/schedule.ics").status_code == 404
    make_change([other_service], status="approved", provider=other_provider_org)
    mine = make_change([service], status="approved")
    body = client.get("/changes/schedule/uk-link.ics",
                      {"key": feed_key(supplier_user)}).content.decode()
    assert body.count("BEGIN:VEVENT") == 1 and mine.reference in body
    supplier_user.is_active = False
    supplier_user.save()
    assert client.get("/changes/schedule.ics", {"key": feed_key(supplier_user)}).status_code == 404


def test_csv_export_is_safe_for_spreadsheets(as_user, supplier_user, make_change, service):
    make_change([service], status="approved", title="=HYPERLINK(\"http://evil\")",
                start=uk_time(2026, 11, 20, 1), end=uk_time(2026, 11, 20, 3))
    response = as_user(supplier_user).get("/changes/schedule.csv")
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK" in text and "2026-11-20 01:00 GMT" in text


# --- notifications ------------------------------------------------------------
def form_data(service, **overrides):
    data = {
        "title": "UK Link patching", "change_type": "normal",
        "planned_start": "2027-01-10T01:00", "planned_end": "2027-01-10T03:00",
        "description": "Patches", "risk": "Low", "back_out_plan": "Roll back",
        "impacts-TOTAL_FORMS": "3", "impacts-INITIAL_FORMS": "0",
        "impacts-0-service": service.pk, "impacts-0-impact": "outage",
        "impacts-1-impact": "outage", "impacts-2-impact": "outage",
    }
    data.update(overrides)
    return data


def test_provider_creates_and_submits_in_the_portal(as_user, provider_user, service):
    client = as_user(provider_user)
    response = client.post("/changes/notifications/new/", form_data(service))
    change = ChangeNotification.objects.get()
    assert response.status_code == 302 and change.provider == provider_user.organisation
    assert change.planned_start == datetime(2027, 1, 10, 1, 0, tzinfo=UTC)
    assert change.contact == provider_user
    client.post(f"/changes/notifications/{change.reference}/action/", {"action": "submit"})
    change.refresh_from_db()
    assert change.status == "submitted"
    page = client.get(f"/changes/notifications/{change.reference}/").content.decode()
    assert "Approve" not in page  # a provider never sees the co-ordinator's buttons


def test_portal_form_errors_not_500(as_user, provider_user, service):
    client = as_user(provider_user)
    for overrides in ({"planned_end": "2027-01-10T00:00"}, {"planned_start": "yesterday"},
                      {"impacts-0-service": "999999"}, {"impacts-TOTAL_FORMS": "x"},
                      {"planned_start": "2027-03-28T01:30"},  # does not exist in UK time
                      {"impacts-1-service": service.pk}):
        response = client.post("/changes/notifications/new/", form_data(service, **overrides))
        assert response.status_code in (200, 400), overrides
    assert not ChangeNotification.objects.exists()


def test_bst_entry_is_stored_in_utc(as_user, provider_user, service):
    as_user(provider_user).post("/changes/notifications/new/", form_data(
        service, planned_start="2027-06-10T01:00", planned_end="2027-06-10T03:00"))
    assert ChangeNotification.objects.get().planned_start == datetime(2027, 6, 10, 0, 0,
                                                                      tzinfo=UTC)


def test_other_provider_gets_404_everywhere(as_user, other_provider_user, make_change, service):
    change = make_change([service])
    client = as_user(other_provider_user)
    base = f"/changes/notifications/{change.reference}/"
    assert client.get(base).status_code == 404
    assert client.get(base + "edit/").status_code == 404
    assert client.post(base + "action/", {"action": "submit"}).status_code == 404
    change.refresh_from_db()
    assert change.status == "draft"


def test_action_by_get_is_refused_and_invalid_action_is_a_message(as_user, provider_user,
                                                                  make_change, service):
    change = make_change([service])
    client = as_user(provider_user)
    url = f"/changes/notifications/{change.reference}/action/"
    assert client.get(url, {"action": "submit"}).status_code == 405
    response = client.post(url, {"action": "start"}, follow=True)
    assert "cannot be moved to in progress" in response.content.decode()
    assert client.post(url, {"action": "approve"}).status_code == 403


def test_attachment_download_is_permission_checked(as_user, provider_user, other_provider_user,
                                                   supplier_user, make_change, service,
                                                   settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    change = make_change([service])
    attachment = change_services.add_attachment(
        change_notification=change, by=provider_user,
        upload=SimpleUploadedFile("plan.txt", b"the plan"))
    url = f"/changes/attachments/{attachment.pk}/"
    response = as_user(provider_user).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"the plan"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert as_user(other_provider_user).get(url).status_code == 404
    assert as_user(supplier_user).get(url).status_code == 404


def test_upload_in_portal_rejects_bad_types(as_user, provider_user, make_change, service,
                                            settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    change = make_change([service])
    url = f"/changes/notifications/{change.reference}/attachments/"
    client = as_user(provider_user)
    client.post(url, {"file": SimpleUploadedFile("x.html", b"<script>")})
    client.post(url, {"file": SimpleUploadedFile("plan.pdf", b"%PDF")})
    assert [a.original_name for a in change.attachments.all()] == ["plan.pdf"]


def test_consultation_answered_in_the_portal_and_seen_by_operations(
        as_user, provider_user, other_provider_user, operations_user, make_change, service,
        other_service):
    ServiceDependencyFactory(service=other_service, depends_on=service)
    change = make_change([service], status="submitted")
    client = as_user(other_provider_user)
    request = change.consultations.get()
    assert request.organisation_id == other_provider_user.organisation_id
    assert change.reference in client.get("/changes/consultations/").content.decode()
    client.post(f"/changes/consultations/{request.pk}/",
                {"response": "impact", "comment": "ECOES feed late"})
    page = as_user(operations_user).get(f"/changes/notifications/{change.reference}/")
    assert "ECOES feed late" in page.content.decode()
    assert as_user(provider_user).get(f"/changes/consultations/{request.pk}/").status_code == 404


def test_subscriptions_page(as_user, supplier_user, service):
    client = as_user(supplier_user)
    assert client.get("/changes/subscriptions/").status_code == 200
    client.post("/changes/subscriptions/", {"services": [service.pk]})
    assert ScheduleSubscription.objects.filter(user=supplier_user, service=service).exists()


def test_auditor_reads_a_notification_but_cannot_act(as_user, auditor_user, make_change,
                                                     service):
    change = make_change([service], status="submitted")
    client = as_user(auditor_user)
    page = client.get(f"/changes/notifications/{change.reference}/")
    assert page.status_code == 200 and "Next steps" not in page.content.decode()
    response = client.post(f"/changes/notifications/{change.reference}/action/",
                           {"action": "withdraw"})
    assert response.status_code == 403
    assert client.get("/changes/notifications/new/").status_code == 403


def test_participant_cannot_raise_a_notification(as_user, supplier_user, service):
    client = as_user(supplier_user)
    assert client.get("/changes/notifications/new/").status_code == 403
    assert client.post("/changes/notifications/new/", form_data(service)).status_code == 403
    assert client.get("/changes/consultations/").status_code == 404


def test_desk_records_a_notification_for_a_provider(as_user, desk_agent, provider_org,
                                                    service):
    response = as_user(desk_agent).post("/changes/notifications/new/",
                                        form_data(service, provider=provider_org.pk))
    assert response.status_code == 302
    change = ChangeNotification.objects.get()
    assert change.provider == provider_org and change.created_by == desk_agent


def test_ical_folding_of_ascii_and_multibyte_lines():
    from changes import ical

    for line in ["X" * 300, "é" * 100 + "X" * 7, "A" * 75, "A" * 76]:
        folded = ical.fold(line)
        pieces = folded[:-2].split("\r\n")
        assert all(len(p.encode()) <= 75 for p in pieces)
        assert "".join(p[1:] if i else p for i, p in enumerate(pieces)) == line
    assert ical.escape_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"


def test_the_history_shows_each_step_by_its_status_names(as_user, provider_user, make_change,
                                                         service):
    change = make_change([service], status="under_assessment")
    page = as_user(provider_user).get(f"/changes/notifications/{change.reference}/")
    history = page.content.decode().split("<tbody>")[-1]
    assert "<td>Draft</td><td>Submitted</td>" in history
    assert "<td>Submitted</td><td>Under assessment</td>" in history


def test_the_portal_and_the_api_read_the_same_schedule(as_user, api_client, supplier_user,
                                                       make_change, service, other_service):
    on_both = make_change([service, other_service], status="approved",
                          start=uk_time(2026, 11, 20, 1), end=uk_time(2026, 11, 20, 3))
    running = make_change([service], status="in_progress",
                          start=uk_time(2026, 11, 21, 1), end=uk_time(2026, 11, 21, 3))
    make_change([other_service], status="approved",
                start=uk_time(2026, 11, 22, 1), end=uk_time(2026, 11, 22, 3))
    make_change([service], status="submitted",  # not on the published schedule
                start=uk_time(2026, 11, 23, 1), end=uk_time(2026, 11, 23, 3))
    wanted = [on_both.reference, running.reference]  # once each, in start order

    csv_rows = as_user(supplier_user).get(
        "/changes/schedule.csv", {"service": "uk-link", "date": "2026-11-01"}).content.decode()
    portal = [line.split(",")[0] for line in csv_rows.splitlines()[1:]]
    api = [row["reference"] for row in api_client(supplier_user).get(
        "/api/v1/change-schedule/", {"service": "uk-link",
                                     "start": "2026-11-01T00:00:00Z"}).json()["results"]]
    assert portal == api == wanted
