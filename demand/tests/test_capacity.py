"""Demand aggregation across overlapping windows, and capacity time bands in UK time."""

from datetime import UTC, datetime, time, timedelta

import pytest

from demand import capacity
from demand.factories import ForecastFactory, ThresholdFactory
from demand.models import CapacityThreshold, Forecast, Unit


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def peak(service, start, end, unit=Unit.SWITCH_REQUESTS):
    return capacity.peak_concurrent(Forecast.objects, service_id=service.pk, unit=unit,
                                    start=start, end=end)


@pytest.mark.django_db
def test_peak_sums_overlapping_windows_and_treats_touching_windows_as_apart(service):
    for start in (9, 10, 11):
        ForecastFactory(service=service, window_start=utc(2026, 3, 2, start),
                        window_end=utc(2026, 3, 2, start + 2))

    total, at = peak(service, utc(2026, 3, 2, 0), utc(2026, 3, 3, 0))

    assert total == 2000  # 09-11 and 11-13 touch but never run together
    assert at == utc(2026, 3, 2, 10)


@pytest.mark.django_db
def test_peak_ignores_other_services_units_and_withdrawn_forecasts(service, other_service):
    window = {"window_start": utc(2026, 3, 2, 9), "window_end": utc(2026, 3, 2, 11)}
    ForecastFactory(service=service, volume=700, **window)
    ForecastFactory(service=other_service, volume=5000, **window)
    ForecastFactory(service=service, unit=Unit.ENQUIRIES, volume=5000, **window)
    ForecastFactory(service=service, status=Forecast.Status.WITHDRAWN, volume=5000, **window)

    assert peak(service, utc(2026, 3, 2, 0), utc(2026, 3, 3, 0))[0] == 700


@pytest.mark.django_db
def test_peak_is_clipped_to_the_piece_asked_about(service):
    ForecastFactory(service=service, volume=900, window_start=utc(2026, 3, 2, 6),
                    window_end=utc(2026, 3, 2, 9))
    ForecastFactory(service=service, volume=100, window_start=utc(2026, 3, 2, 8),
                    window_end=utc(2026, 3, 2, 12))

    assert peak(service, utc(2026, 3, 2, 9), utc(2026, 3, 2, 18))[0] == 100
    assert peak(service, utc(2026, 3, 2, 12), utc(2026, 3, 2, 18)) == (0, utc(2026, 3, 2, 12))


@pytest.mark.django_db
def test_peak_across_midnight(service):
    ForecastFactory(service=service, volume=3000, window_start=utc(2026, 1, 9, 22),
                    window_end=utc(2026, 1, 10, 2))
    ForecastFactory(service=service, volume=1000, window_start=utc(2026, 1, 10, 1),
                    window_end=utc(2026, 1, 10, 3))

    total, at = peak(service, utc(2026, 1, 10, 0), utc(2026, 1, 10, 6))

    assert (total, at) == (4000, utc(2026, 1, 10, 1))


@pytest.mark.django_db
def test_peak_finds_forecasts_starting_up_to_seven_days_before(service):
    ForecastFactory(service=service, volume=10, window_start=utc(2026, 3, 1, 0),
                    window_end=utc(2026, 3, 8, 0))
    assert peak(service, utc(2026, 3, 7, 23), utc(2026, 3, 8, 0))[0] == 10


def bands(service):
    return [
        ThresholdFactory.build(service=service, pk=1, max_volume=5000),
        ThresholdFactory.build(service=service, pk=2, other=True),
    ]


@pytest.mark.django_db
def test_weekday_band_follows_uk_time_through_summer(service):
    business, other = bands(service)
    # 07:30 UTC on a June Monday is 08:30 BST: business hours.
    assert capacity.threshold_at([business, other], utc(2026, 6, 1, 7, 30)) == business
    # 07:30 UTC on a January Monday is 07:30 GMT: other times.
    assert capacity.threshold_at([business, other], utc(2026, 1, 5, 7, 30)) == other
    # Saturday: other times all day.
    assert capacity.threshold_at([business, other], utc(2026, 6, 6, 12)) == other


@pytest.mark.django_db
def test_pieces_cover_the_window_with_the_right_band(service):
    business, other = bands(service)
    found = capacity.pieces([business, other], utc(2026, 1, 5, 6), utc(2026, 1, 6, 9))
    assert [(p.start, p.end, p.threshold) for p in found] == [
        (utc(2026, 1, 5, 6), utc(2026, 1, 5, 8), other),
        (utc(2026, 1, 5, 8), utc(2026, 1, 5, 18), business),
        (utc(2026, 1, 5, 18), utc(2026, 1, 6, 8), other),
        (utc(2026, 1, 6, 8), utc(2026, 1, 6, 9), business),
    ]


@pytest.mark.django_db
def test_night_band_crossing_midnight_on_the_night_clocks_go_forward(service):
    night = ThresholdFactory.build(service=service, pk=3, name="Nights",
                                   days=CapacityThreshold.ALL_DAYS,
                                   start_time=time(22, 0), end_time=time(6, 0))
    # Sat 28 Mar 2026 22:00 GMT to Sun 29 Mar 06:00 BST: seven real hours.
    found = capacity.pieces([night], utc(2026, 3, 28, 20), utc(2026, 3, 29, 12))
    assert [(p.start, p.end, p.threshold) for p in found] == [
        (utc(2026, 3, 28, 20), utc(2026, 3, 28, 22), None),
        (utc(2026, 3, 28, 22), utc(2026, 3, 29, 5), night),
        (utc(2026, 3, 29, 5), utc(2026, 3, 29, 12), None),
    ]
    assert found[1].end - found[1].start == timedelta(hours=7)


@pytest.mark.django_db
def test_night_band_is_nine_hours_when_clocks_go_back(service):
    night = ThresholdFactory.build(service=service, pk=3, days=CapacityThreshold.ALL_DAYS,
                                   start_time=time(22, 0), end_time=time(6, 0))
    found = capacity.pieces([night], utc(2026, 10, 24, 20), utc(2026, 10, 25, 12))
    assert found[1].start == utc(2026, 10, 24, 21) and found[1].end == utc(2026, 10, 25, 6)


@pytest.mark.django_db
def test_overlapping_bands_are_refused(service):
    from django.core.exceptions import ValidationError

    ThresholdFactory(service=service)
    evening = ThresholdFactory.build(service=service, name="Evening", start_time=time(17, 0),
                                     end_time=time(22, 0))
    with pytest.raises(ValidationError, match="overlaps"):
        evening.clean()
    sunday_night = ThresholdFactory.build(service=service, days="6", start_time=time(22, 0),
                                          end_time=time(9, 0))
    with pytest.raises(ValidationError, match="overlaps"):  # runs into Monday 08:00
        sunday_night.clean()
    saturday = ThresholdFactory.build(service=service, days="5", start_time=time(8, 0),
                                      end_time=time(18, 0))
    saturday.clean()


def test_hourly_totals_weight_partial_hours():
    hours = [utc(2026, 3, 2, h) for h in range(8, 12)]
    totals = capacity.hourly_totals(
        [(utc(2026, 3, 2, 8, 30), utc(2026, 3, 2, 10), 1000),
         (utc(2026, 3, 2, 9), utc(2026, 3, 2, 13), 200)], hours)
    assert totals == {hours[0]: 500, hours[1]: 1200, hours[2]: 200, hours[3]: 200}


@pytest.mark.django_db
def test_peak_across_the_night_clocks_go_back_counts_real_hours(service):
    from demand.csv_import import parse_uk_datetime as uk

    # 00:00-03:00 UK that night is four real hours (23:00Z-03:00Z).
    ForecastFactory(service=service, volume=100, window_start=uk("2026-10-25T00:00"),
                    window_end=uk("2026-10-25T03:00"))
    # The first 01:00-01:30 (BST) and the second 01:30-02:30 (GMT) do not overlap.
    ForecastFactory(service=service, volume=40, window_start=uk("2026-10-25T01:00+01:00"),
                    window_end=uk("2026-10-25T01:30+01:00"))
    ForecastFactory(service=service, volume=50, window_start=uk("2026-10-25T01:30+00:00"),
                    window_end=uk("2026-10-25T02:30"))

    total, at = peak(service, utc(2026, 10, 24, 12), utc(2026, 10, 25, 12))

    assert (total, at) == (150, utc(2026, 10, 25, 1, 30))
    assert peak(service, utc(2026, 10, 25, 0), utc(2026, 10, 25, 1))[0] == 140
