"""The security-incidents KPI row: its rule, an independent count, and who may read it."""

from datetime import UTC, datetime

import pytest

from accounts.factories import UserFactory
from incidents import services
from incidents.factories import IncidentFactory
from incidents.models import Incident
from kernel.periods import Period
from reporting.kpis import definitions
from reporting.kpis.engine import PeriodKpis, Scope
from reporting.reports import content as report_content
from reporting.reports.xlsx import render_csv
from reporting.returns import clean_figure

pytestmark = pytest.mark.django_db
OCTOBER = Period.month(2026, 10)
AFTER = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def security_october(supplier_org, service, desk_agent):
    contact = UserFactory(organisation=supplier_org, is_security_contact=True)
    made = []
    for day, severity, kind in [(2, 1, "security"), (9, 2, "security"), (30, 2, "security"),
                                (12, 3, "service"), (14, 1, "service")]:
        made.append(IncidentFactory(organisation=supplier_org, raised_by=contact,
                                    severity=severity, kind=kind, services=[service],
                                    at=datetime(2026, 10, day, 9, tzinfo=UTC)))
    # Raised in November: not October's; cancelled: never counted.
    IncidentFactory(organisation=supplier_org, raised_by=contact, severity=2, kind="security",
                    at=datetime(2026, 11, 1, 9, tzinfo=UTC))
    cancelled = IncidentFactory(organisation=supplier_org, raised_by=contact, severity=4,
                                kind="security", at=datetime(2026, 10, 20, 9, tzinfo=UTC))
    services.transition_incident(incident=cancelled, by=desk_agent, to="cancelled",
                                 reason="Raised in error")
    return made


def _reference_count(period):
    """Count by hand: security incidents raised in [start, end), not cancelled, by severity."""
    counts = {1: 0, 2: 0, 3: 0, 4: 0}
    for incident in Incident.objects.all():
        if (incident.kind == "security" and incident.status != "cancelled"
                and period.start <= incident.created_at < period.end):
            counts[incident.severity] += 1
    return counts


def test_the_row_counts_octobers_security_incidents_as_the_rule_says(security_october):
    result = PeriodKpis(OCTOBER, now=AFTER).results()["security_incidents"]
    expected = _reference_count(OCTOBER)
    assert result.value == sum(expected.values()) == 3
    assert {sev: value for sev, (value, _) in result.by_severity.items()} == expected
    assert "cancelled ones are not counted" in definitions.get("security_incidents").definition


def test_no_per_service_or_per_provider_figure_is_given(security_october, service, provider_org):
    kpis = PeriodKpis(OCTOBER, now=AFTER)
    assert "security_incidents" not in kpis.results(Scope(service=service))
    assert "security_incidents" not in kpis.results(Scope(provider=provider_org))


def test_the_participant_csv_leaves_it_out_and_the_internal_one_has_it(security_october):
    internal = render_csv(report_content.build(OCTOBER, edition="internal", now=AFTER))
    participants = render_csv(report_content.build(OCTOBER, edition="participant", now=AFTER))
    text = internal.decode() if isinstance(internal, bytes) else internal
    assert "security_incidents" in text
    text = participants.decode() if isinstance(participants, bytes) else participants
    assert "security_incidents" not in text


def test_the_kpi_api_gives_it_to_internal_staff_only(api_client, security_october,
                                                      operations_user, provider_user):
    def keys(user):
        body = api_client(user).get("/api/v1/kpis/?period=2026-10").json()
        return {row["key"] for row in body["kpis"]}

    assert "security_incidents" in keys(operations_user)
    assert "security_incidents" not in keys(provider_user)


def test_a_provider_cannot_report_it_in_a_kpi_return():
    figure, errors = clean_figure({"kpi": "security_incidents", "value": "1"},
                                  services_by_code={})
    assert figure is None and "kpi" in errors
