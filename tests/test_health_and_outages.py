"""Probes for orchestrators, and what a client sees while the database is failing over."""

import pytest
from django.db import OperationalError
from django.test import Client

from kernel import heartbeats

pytestmark = pytest.mark.django_db


def test_liveness_answers_a_probe_from_inside_the_network(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["switching-sm.example"]
    response = Client().get("/healthz", HTTP_HOST="10.0.3.7:8000")
    assert response.status_code == 200 and response.json() == {"status": "alive"}


def test_readiness_names_the_missing_worker_and_beat():
    response = Client().get("/readyz")
    assert response.status_code == 503 and response["Retry-After"] == "10"
    checks = response.json()["checks"]
    assert checks["database"]["ok"] and checks["cache"]["ok"] and checks["broker"]["ok"]
    assert not checks["worker"]["ok"] and checks["worker"]["error"].endswith("no heartbeat")
    assert not checks["beat"]["ok"]


def test_ready_when_a_worker_and_beat_are_alive():
    heartbeats.record("worker:celery@web-1")
    heartbeats.record("beat")
    response = Client().get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ready"


def test_a_stale_worker_heartbeat_is_not_ready(settings):
    from datetime import timedelta

    from django.utils import timezone

    heartbeats.record("worker:celery@web-1", now=timezone.now() - timedelta(minutes=5))
    heartbeats.record("beat")
    checks = Client().get("/readyz").json()["checks"]
    assert not checks["worker"]["ok"] and "s ago" in checks["worker"]["error"]
    assert checks["beat"]["ok"]


def test_readiness_with_the_database_down_is_a_503_not_a_500(monkeypatch):
    from switching_sm import health

    def down():
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(health, "check_database", down)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert "Connection refused" in response.json()["checks"]["database"]["error"]


@pytest.fixture
def database_failing_over(monkeypatch):
    """Every incident query fails as it does while PostgreSQL restarts."""
    from incidents.models import Incident

    def fail(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(type(Incident.objects.all()), "visible_to", fail)


def test_the_api_answers_503_in_its_error_shape_with_retry_after(database_failing_over,
                                                                 api_client, supplier_user):
    response = api_client(supplier_user).get("/api/v1/incidents/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    error = response.json()["error"]
    assert error["status"] == 503 and error["code"] == "service_unavailable"
    assert "Idempotency-Key" in error["message"]


def test_a_portal_page_answers_the_portals_own_503_page(database_failing_over, client,
                                                        supplier_user):
    client.force_login(supplier_user)
    response = client.get("/incidents/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    page = response.content.decode()
    assert "Service briefly unavailable" in page and "portal.css" in page


def test_a_database_error_outside_the_view_still_gets_the_503_page(monkeypatch, supplier_user):
    """E.g. the navigation's banner query: handler500 answers, without querying again."""
    from portal import context_processors

    def fail():
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(context_processors, "major_incident_banner", fail)
    client = Client(raise_request_exception=False)
    client.force_login(supplier_user)
    response = client.get("/")
    assert response.status_code == 503
    assert "Service briefly unavailable" in response.content.decode()


def test_only_errors_that_mean_the_database_is_unreachable_are_503():
    from django.db import DatabaseError, IntegrityError, InterfaceError, ProgrammingError

    from switching_sm.errors import is_database_outage

    assert is_database_outage(OperationalError("could not connect"))
    assert is_database_outage(InterfaceError("connection already closed"))
    assert is_database_outage(DatabaseError("error with status PGRES_TUPLES_OK and no message"))
    assert not is_database_outage(IntegrityError("duplicate key"))
    assert not is_database_outage(ProgrammingError("column does not exist"))
