"""The risk register: score, lifecycle with recorded transitions, console management."""

from datetime import UTC, date, datetime, timedelta

import pytest

from demand import services
from demand.errors import InvalidTransition
from demand.factories import RiskFactory, ThresholdFactory
from demand.models import ExcessiveDemandAlert, Risk


@pytest.mark.django_db
def test_score_is_likelihood_times_impact_and_follows_edits():
    risk = RiskFactory(likelihood=2, impact=5)
    assert risk.score == 10 and risk.rating == "medium"
    risk.likelihood = 4
    risk.save(update_fields=["likelihood"])
    risk.refresh_from_db()
    assert risk.score == 20 and risk.rating == "high"


@pytest.mark.django_db
def test_a_draft_needs_owner_review_date_and_mitigation_to_open(operations_user):
    risk = RiskFactory()
    with pytest.raises(InvalidTransition, match="an owner, a review date, a mitigation"):
        risk.transition(to=Risk.Status.OPEN, by=operations_user)
    risk.owner, risk.review_date, risk.mitigation = operations_user, date(2026, 4, 1), "Scale"
    risk.save()
    risk.transition(to=Risk.Status.OPEN, by=operations_user, reason="Assessed")
    risk.transition(to=Risk.Status.MITIGATING, by=operations_user)
    with pytest.raises(InvalidTransition, match="Say why"):
        risk.transition(to=Risk.Status.CLOSED, by=operations_user)
    risk.transition(to=Risk.Status.CLOSED, by=operations_user, reason="Upgrade done")
    with pytest.raises(InvalidTransition, match="closed; it cannot be moved to mitigating"):
        risk.transition(to=Risk.Status.MITIGATING, by=operations_user)
    assert [(t.from_status, t.to_status) for t in risk.transitions.all()] == [
        ("draft", "open"), ("open", "mitigating"), ("mitigating", "closed")]


@pytest.mark.django_db
def test_one_draft_per_alert_however_often_asked(operations_user, service):
    moment = datetime(2026, 3, 2, 9, tzinfo=UTC)
    alert = ExcessiveDemandAlert.objects.create(
        service=service, unit="switch_requests", threshold=ThresholdFactory(service=service),
        max_volume=1, peak_volume=2, peak_at=moment, breach_start=moment,
        breach_end=moment + timedelta(hours=1))
    first = services.draft_risk(title="t", description="d", services=[service],
                                source="demand", raised_by=None, alert=alert)
    again = services.draft_risk(title="t", description="d", services=[service],
                                source="demand", raised_by=None, alert=alert)
    assert first == again and Risk.objects.count() == 1


@pytest.mark.django_db
def test_operations_raise_and_open_a_risk_in_the_console(client, operations_user, service):
    client.force_login(operations_user)
    response = client.post("/admin/demand/risk/add/", {
        "title": "Peak load", "description": "Could overload", "services": [service.pk],
        "likelihood": 3, "impact": 4, "mitigation": "", "owner": "", "review_date": "",
        "move_to": "", "move_reason": "",
        "transitions-TOTAL_FORMS": 0, "transitions-INITIAL_FORMS": 0})
    assert response.status_code == 302, response.content[:2000]
    risk = Risk.objects.get()
    assert risk.status == "draft" and risk.score == 12 and risk.raised_by == operations_user
    url = f"/admin/demand/risk/{risk.pk}/change/"
    form = {"title": "Peak load", "description": "Could overload", "services": [service.pk],
            "likelihood": 3, "impact": 4, "owner": "", "review_date": "", "mitigation": "",
            "move_to": "open", "move_reason": "Assessed",
            "transitions-TOTAL_FORMS": 1, "transitions-INITIAL_FORMS": 1}
    refused = client.post(url, form)
    assert refused.status_code == 200 and b"needs an owner" in refused.content
    accepted = client.post(url, {**form, "owner": operations_user.pk,
                                 "review_date": "2026-04-01", "mitigation": "Add capacity"})
    assert accepted.status_code == 302
    risk.refresh_from_db()
    assert risk.status == "open"
    assert risk.transitions.last().reason == "Assessed"
    assert [(t.to_status, t.channel) for t in risk.transitions.all()] == [
        ("draft", "admin"), ("open", "admin")]


def test_only_operations_change_the_register_whatever_the_caller(desk_agent):
    from django.core.exceptions import PermissionDenied

    from demand import services

    with pytest.raises(PermissionDenied):
        services.save_risk(risk=Risk(title="Peak", description="d"), by=desk_agent)
    assert not Risk.objects.exists()
