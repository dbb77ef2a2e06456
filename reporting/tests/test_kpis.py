"""Each KPI against the hand-built October 2026 of conftest.py (answers worked out there)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from incidents.models import Escalation
from kernel.periods import Period
from reporting.factories import london
from reporting.kpis import definitions
from reporting.kpis.engine import END_TO_END, PeriodKpis, Scope
from reporting.models import KpiSetting

from .conftest import AFTER

OCTOBER = Period.month(2026, 10)


@pytest.fixture
def kpis(october):
    return PeriodKpis(OCTOBER, now=AFTER)


def test_period_boundaries_are_uk_midnights_and_october_has_745_hours():
    assert OCTOBER.duration == timedelta(hours=745)
    assert Period.month(2026, 3).duration == timedelta(hours=743)
    assert OCTOBER.start.isoformat() == "2026-09-30T23:00:00+00:00"
    assert OCTOBER.end.isoformat() == "2026-11-01T00:00:00+00:00"
    assert Period.day(date(2026, 10, 25)).duration == timedelta(hours=25)


def test_weeks_custom_periods_and_keys_round_trip():
    week = Period.week(date(2026, 10, 28))
    assert (week.first, week.last) == (date(2026, 10, 26), date(2026, 11, 1))
    for period in (OCTOBER, week, Period.day(date(2026, 3, 29)),
                   Period.custom(date(2026, 10, 1), date(2026, 10, 15))):
        assert Period.parse(period.key) == period
    assert OCTOBER.previous() == Period.month(2026, 9)
    assert Period.month(2026, 1).previous() == Period.month(2025, 12)
    assert [p.key for p in OCTOBER.trailing(3)] == ["2026-08", "2026-09", "2026-10"]
    with pytest.raises(ValueError, match="not a period"):
        Period.parse("October")


def test_incidents_count_those_raised_in_the_period_by_severity_without_cancelled(kpis):
    result = kpis.results()["incidents"]
    assert result.value == 6  # A B C E F H; D raised in September, G cancelled
    assert {sev: v for sev, (v, _) in result.by_severity.items()} == {1: 2, 2: 2, 3: 1, 4: 1}


def test_average_initial_response_counts_responses_made_in_the_period(kpis):
    result = kpis.results()["response_minutes"]
    # A 5, B 20, C 10, F 15, H 60 (D responded in September, E in November).
    assert (result.value, result.population) == (Decimal("22.00"), 5)
    assert result.by_severity[1] == (Decimal("12.50"), 2)
    assert result.by_severity[3] == (None, 0)
    assert result.by_severity[4] == (Decimal("60.00"), 1)


def test_average_resolution_time_includes_boundary_pause_reopen_and_the_dst_hour(kpis):
    result = kpis.results()["resolution_hours"]
    # A 3, B 6, C 36 (24 pending), D 36 (raised in September), F 29 (reopened, DST), H 48.
    assert (result.value, result.population) == (Decimal("26.33"), 6)
    assert result.by_severity[2] == (Decimal("32.50"), 2)
    assert result.by_severity[3] == (Decimal("36.00"), 1)


def test_resolved_within_sla_uses_the_paused_clock_and_counts_a_reopened_incident_once(kpis):
    result = kpis.results()["resolved_within_sla"]
    assert (result.value, result.population) == (Decimal("83.33"), 6)  # only B breached
    assert result.target == Decimal("95") and result.met is False
    assert result.by_severity[2] == (Decimal("100.00"), 2)  # C paused, F reopened: both within
    assert result.by_severity[1] == (Decimal("50.00"), 2)


def test_escalations_are_incidents_resolved_in_the_period_after_their_deadline(kpis, october):
    # B also breached its response target and raised warnings: those are not escalations.
    assert Escalation.objects.filter(incident=october["B"]).count() > 1
    result = kpis.results()["escalations"]
    assert (result.value, result.population) == (1, 6)  # B, of the six resolved
    assert result.by_severity[1] == (1, 2)


def test_changes_count_outcomes_recorded_in_the_period_by_type(kpis):
    results = kpis.results()
    assert results["major_changes"].value == 1
    # Emergency changes implemented: one (its retrospective approval is not counted again);
    # the one backed out on 31 Oct is on its own row.
    assert results["emergency_changes"].value == 1
    assert results["emergency_changes_unsuccessful"].value == 1
    assert kpis.changes_by_type() == {"Standard": 0, "Normal": 1, "Emergency": 2, "Major": 1}


def test_availability_excludes_maintenance_and_counts_outage_inside_the_period(kpis, service):
    results = kpis.results(Scope(service=service))
    # 745 h less 2 h maintenance = 743 h agreed; 2 h + 1 h down: 740 / 743.
    assert results["availability"].value == Decimal("99.596")
    assert results["availability"].target == Decimal("99.500")
    assert results["availability"].met is True
    assert results["interruptions"].value == 2
    assert results["interruption_minutes"].value == Decimal("90.00")


def test_end_to_end_availability_is_time_weighted_over_services(kpis):
    results = kpis.results()
    assert results["availability"].value == Decimal("99.798")  # (743 + 745 - 3) / (743 + 745)
    assert results["availability"].population == 2
    assert results["interruptions"].value == 2


def test_per_provider_scope_counts_an_incident_on_two_of_its_services_once(
        kpis, other_provider_org, provider_org):
    gemserv = kpis.results(Scope(provider=other_provider_org))
    assert gemserv["incidents"].value == 1  # H; G was cancelled
    assert gemserv["resolution_hours"].value == Decimal("48.00")
    assert gemserv["availability"].value == Decimal("100.000")
    assert gemserv["emergency_changes"].value == 0
    xoserve = kpis.results(Scope(provider=provider_org))
    assert xoserve["incidents"].value == 6
    assert xoserve["major_changes"].value == 1


def test_severity_scope_has_only_incident_kpis(kpis):
    results = kpis.results(Scope(severity=2))
    assert set(results) == {"incidents", "escalations", "response_minutes", "resolution_hours",
                            "resolved_within_sla"}
    assert results["resolution_hours"].value == Decimal("32.50")


def test_a_day_inside_the_month_sees_only_that_day(october):
    day = PeriodKpis(Period.day(date(2026, 10, 25)), now=AFTER).results()
    assert day["resolution_hours"].value == Decimal("29.00")  # F, finally resolved that day
    assert day["interruptions"].value == 1
    assert day["incidents"].value == 0


def test_targets_are_overridden_by_operations_settings(kpis):
    KpiSetting.objects.create(key="resolved_within_sla", target=Decimal("80"),
                              tolerance=Decimal("2"))
    result = PeriodKpis(OCTOBER, now=AFTER).results()["resolved_within_sla"]
    assert result.target == Decimal("80") and result.met is True


def test_every_kpi_of_the_strategy_table_has_a_plain_words_definition():
    assert definitions.KEYS == ["availability", "interruptions", "interruption_minutes",
                                "major_changes", "emergency_changes",
                                "emergency_changes_unsuccessful", "incidents", "escalations",
                                "response_minutes", "resolution_hours", "resolved_within_sla",
                                "requests", "requests_fulfilled", "request_fulfilment_hours",
                                "requests_within_target", "security_incidents"]
    assert all(len(k.definition) > 40 for k in definitions.KPIS)


def test_query_count_does_not_grow_with_incidents(october, django_assert_max_num_queries):
    kpis = PeriodKpis(OCTOBER, now=AFTER)
    with django_assert_max_num_queries(12):
        kpis.results()


def test_monthly_sla_trend_in_one_query_matches_each_months_kpi(
        october, django_assert_num_queries):
    kpis = PeriodKpis(OCTOBER, now=AFTER)
    with django_assert_num_queries(1):
        trend = kpis.sla_trend(3)
    assert [p.key for p, _ in trend] == ["2026-08", "2026-09", "2026-10"]
    for period, result in trend:
        expected = PeriodKpis(period, now=AFTER).incident_results()["resolved_within_sla"]
        assert (result.value, result.population) == (expected.value, expected.population)
    assert trend[-1][1].value == Decimal("83.33")
    weekly = PeriodKpis(Period.week(date(2026, 10, 21)), now=AFTER).sla_trend(2)
    assert [r.population for _, r in weekly] == [1, 2]  # B; then C (21 Oct) and F (25 Oct)


def test_spring_clock_change_day_has_23_hours_and_resolution_is_real_time(
        db, supplier_user, desk_agent, service):
    import time_machine

    from incidents.factories import IncidentFactory
    from incidents.services import transition_incident
    from reporting.factories import london

    raised, fixed = london(2026, 3, 28, 22, 0), london(2026, 3, 29, 10, 0)  # GMT -> BST
    with time_machine.travel(raised, tick=False):
        incident = IncidentFactory(organisation=supplier_user.organisation,
                                   raised_by=supplier_user, severity=2, services=[service],
                                   at=raised)
    with time_machine.travel(fixed, tick=False):
        transition_incident(incident=incident, by=desk_agent, to="resolved",
                            resolution_code="fixed", resolution_notes="Fixed.", at=fixed)
    day = Period.day(date(2026, 3, 29))
    assert day.duration == timedelta(hours=23)
    result = PeriodKpis(day, now=AFTER).results()["resolution_hours"]
    assert result.value == Decimal("11.00")  # 12 h on the wall clock, 11 real hours


def test_every_scope_preloaded_in_one_query_equals_its_own_query(
        october, service, other_service, provider_org, other_provider_org, supplier_user,
        django_assert_num_queries):
    """The report reads every scope's incident figures from one query grouped by the set of
    services each incident names; each scope must come out as its own (Exists) query says."""
    from incidents.factories import IncidentFactory
    from services.factories import ServiceFactory

    des = ServiceFactory(code="des", name="DES", provider=provider_org)
    # I names two Xoserve services: one incident for Xoserve, one each for UK Link and DES.
    IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user, severity=2,
                    services=[service, des], at=london(2026, 10, 8, 9, 0))
    # J names no service: end to end only.
    IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user, severity=3,
                    services=[], at=london(2026, 10, 9, 9, 0))
    together = PeriodKpis(OCTOBER, now=AFTER)
    with django_assert_num_queries(2):  # the groups and the services' providers
        together.preload()
    scopes = [END_TO_END, *(Scope(service=s) for s in (service, other_service, des)),
              *(Scope(provider=p) for p in (provider_org, other_provider_org)),
              *(Scope(severity=sev) for sev in (1, 2, 3, 4)),
              Scope(service=service, severity=2), Scope(provider=provider_org, severity=4),
              Scope(service=other_service, provider=provider_org)]
    for scope in scopes:
        with django_assert_num_queries(0):
            many = together.incident_results(scope)
        one = PeriodKpis(OCTOBER, now=AFTER).incident_results(scope)
        for key in one:
            assert (one[key].value, one[key].population, one[key].by_severity) == \
                (many[key].value, many[key].population, many[key].by_severity), (scope, key)
    raised = {scope.label: together.incident_results(scope)["incidents"].value
              for scope in scopes[:6]}
    # October's A, B, C, E, F, H (test_kpis' month) and I, J; G is cancelled, D raised in Sep.
    assert raised == {"End to end": 8, "UK Link": 7, "ECOES": 1, "DES": 1, "Xoserve": 7,
                      "Gemserv": 1}
    assert together.incident_results(
        Scope(service=other_service, provider=provider_org))["incidents"].value == 1  # H


