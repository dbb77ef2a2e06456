"""The move to the kernel's transition record keeps every forecast, alert and risk row."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_forecast_and_risk_history_survives_the_move_to_the_kernel(migrator):
    old = migrator("demand", "0002_forecast_fewer_indexes")
    org = old.get_model("accounts", "Organisation").objects.create(
        name="Brightwater Energy", short_code="brightwater", contact_email="ops@bw.example")
    user = old.get_model("accounts", "User").objects.create(username="bea", organisation=org)
    service = old.get_model("services", "Service").objects.create(
        code="uk-link", name="UK Link", provider=org, resolver_group=org,
        service_hours=old.get_model("services", "BusinessCalendar").objects.first())
    forecast = old.get_model("demand", "Forecast").objects.create(
        organisation=org, submitted_by=user, service=service, window_start="2026-10-01T08:00Z",
        window_end="2026-10-01T10:00Z", volume=500, reason="Campaign", status="within_capacity")
    old.get_model("demand", "ForecastTransition").objects.create(
        forecast=forecast, from_status="submitted", to_status="within_capacity",
        reason="Checked")
    risk = old.get_model("demand", "Risk").objects.create(title="Peak", description="d")
    old.get_model("demand", "RiskTransition").objects.create(risk=risk, to_status="draft", by=user)

    new = migrator("demand", "0003_kernel_transition_records")
    row = new.get_model("demand", "ForecastTransition").objects.get()
    assert (row.forecast_id, row.from_status, row.to_status, row.reason, row.channel) == (
        forecast.pk, "submitted", "within_capacity", "Checked", "")
    risk_row = new.get_model("demand", "RiskTransition").objects.get()
    assert (risk_row.from_status, risk_row.to_status, risk_row.by_id) == ("", "draft", user.pk)
