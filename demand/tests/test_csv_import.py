"""CSV import of forecasts and actuals: row-by-row report, all-or-nothing, UK times."""

from datetime import UTC, datetime

import pytest

from demand import csv_import, services
from demand.models import Forecast, ForecastTransition

HEADER = "service,window_start,window_end,volume,unit,reason\n"


def read(text):
    return csv_import.read_forecasts(text.encode())


@pytest.mark.django_db
def test_good_file_reads_every_row_with_uk_times_converted_to_utc(service):
    report = read(HEADER
                  + "uk-link,2026-01-05T08:00,2026-01-05T12:00,100,,Campaign\n"
                  + "UK-LINK,2026-06-01T08:00,2026-06-01T12:00,200,messages per hour,Tariff\n"
                  + "uk-link,2026-06-01T08:00+00:00,2026-06-01T09:00Z,5,api_calls,Test\n")
    assert report.ok, report.errors
    winter, summer, explicit = report.rows
    assert winter["window_start"] == datetime(2026, 1, 5, 8, tzinfo=UTC)
    assert summer["window_start"] == datetime(2026, 6, 1, 7, tzinfo=UTC)  # 08:00 BST
    assert summer["unit"] == "messages" and winter["unit"] == "switch_requests"
    assert explicit["window_end"] == datetime(2026, 6, 1, 9, tzinfo=UTC)


@pytest.mark.django_db
def test_bad_rows_are_reported_with_row_column_and_message(service):
    report = read(HEADER
                  + "uk-link,2026-01-05T08:00,2026-01-05T12:00,100,,ok\n"
                  + "nope,2026-01-05T08:00,2026-01-05T12:00,100,,Unknown service\n"
                  + "uk-link,yesterday,2026-01-05T12:00,lots,,\n"
                  + "uk-link,2026-01-05T12:00,2026-01-05T08:00,100,,Backwards\n"
                  + "uk-link,2026-01-05T08:00,2026-01-20T08:00,100,,Too long\n"
                  + "uk-link,2026-03-29T01:30,2026-03-29T04:00,100,,Gap hour\n"
                  + "uk-link,2026-10-25T01:30,2026-10-25T04:00,100,,Repeated hour\n"
                  + "uk-link,2026-01-05T08:00,2026-01-05T12:00,0,furlongs,Zero\n")
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(3, "service"), (4, "window_start"), (4, "volume"), (4, "reason"),
                     (5, "window_end"), (6, "window_end"), (7, "window_start"),
                     (8, "window_start"), (9, "volume"), (9, "unit")}
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "does not exist in UK time" in messages[(7, "window_start")]
    assert "happens twice" in messages[(8, "window_start")]
    assert "at most 7 days" in messages[(6, "window_end")]


@pytest.mark.django_db
@pytest.mark.parametrize("content, message", [
    (b"", "no data rows"),
    (b"service,volume\nuk-link,3\n", "Missing column"),
    (HEADER.encode(), "no data rows"),
    ("\xff\xfe".encode("latin-1") + b"\x00garbage", "not UTF-8"),
    (HEADER.encode() + b"uk-link,2026-01-05T08:00,2026-01-05T12:00,100,,a,extra\n",
     "More values than columns"),
])
def test_malformed_files_give_a_clear_message(service, content, message):
    report = csv_import.read_forecasts(content)
    assert not report.ok
    assert message in report.errors[0].message


@pytest.mark.django_db
def test_excel_bom_and_header_case_are_accepted(service):
    report = csv_import.read_forecasts(
        "\ufeffService,Window_Start,Window_End,Volume,Unit,Reason\r\n"
        "uk-link,2026-01-05 08:00,2026-01-05 09:00,7,,x\r\n".encode())
    assert report.ok and report.rows[0]["volume"] == 7


@pytest.mark.django_db
def test_import_stores_every_row_and_its_first_transition(supplier_user, service,
                                                          django_capture_on_commit_callbacks):
    report = read(HEADER + "".join(
        f"uk-link,2026-01-05T{h:02d}:00,2026-01-05T{h + 1:02d}:00,10,,Campaign\n"
        for h in range(8, 18)))
    with django_capture_on_commit_callbacks(execute=True):
        created = services.import_forecasts(organisation=supplier_user.organisation,
                                            submitted_by=supplier_user, rows=report.rows)
    assert len(created) == 10 == Forecast.objects.count()
    assert ForecastTransition.objects.filter(to_status="submitted").count() == 10
    # The after-commit task checked every one against capacity.
    assert set(Forecast.objects.values_list("status", flat=True)) == {"within_capacity"}


@pytest.mark.django_db
def test_actuals_only_for_the_providers_own_services(provider_org, service, other_service,
                                                     supplier_org):
    report = csv_import.read_actuals(
        (b"service,participant,hour_start,volume,unit\n"
         b"uk-link,brightwater,2026-01-05T09:00,100,\n"
         b"ecoes,brightwater,2026-01-05T09:00,100,\n"
         b"uk-link,nobody,2026-01-05T09:30,100,\n"
         b"uk-link,brightwater,2026-01-05T09:00,5,\n"),
        reporting_organisation=provider_org)
    assert {(e.row, e.column) for e in report.errors} == {
        (3, "service"), (4, "participant"), (4, "hour_start"), (5, "hour_start")}
