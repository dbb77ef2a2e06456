"""The optional read replica (DATABASE_REPLICA_URL, kernel/db_router.py), tested with
Django's TEST MIRROR: the `replica` alias reads the primary's test database over its own
connection, so a query shows on the connection it was routed to.

The router cases need the alias, which the settings define only when the variable is
set; without it (the usual test run) one test runs them in a child pytest with
DATABASE_REPLICA_URL pointing at the same database as DATABASE_URL.
"""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext

from incidents.factories import IncidentFactory
from incidents.models import Incident
from kernel.db_router import REPLICA, _reading_from_replica, replica_reads

ROOT = Path(__file__).resolve().parents[1]
WITH_REPLICA = REPLICA in settings.DATABASES
needs_replica = pytest.mark.skipif(not WITH_REPLICA,
                                   reason="runs in the child started by test_router_cases_pass_"
                                          "with_a_mirrored_replica (DATABASE_REPLICA_URL set)")
on_both = pytest.mark.django_db(transaction=True, serialized_rollback=True,
                                 databases=["default", REPLICA])


@pytest.mark.skipif(WITH_REPLICA, reason="this is the child run")
def test_router_cases_pass_with_a_mirrored_replica():
    default = settings.DATABASES["default"]
    if default["ENGINE"].endswith("sqlite3"):
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{default['NAME']}"
    else:
        url = os.environ["DATABASE_URL"]
    child = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
        cwd=ROOT, env={**os.environ, "DATABASE_REPLICA_URL": url,
                       # its own test database: this run's is in use
                       "DATABASE_TEST_NAME": f"{connections['default'].settings_dict['NAME']}"
                                             "_replica"},
        capture_output=True, text=True, timeout=900)
    assert child.returncode == 0, child.stdout[-4000:] + child.stderr[-2000:]
    assert " passed" in child.stdout and " skipped" in child.stdout  # the parent's case skips


@needs_replica
def test_the_replica_mirrors_the_primary_in_tests():
    assert settings.DATABASES[REPLICA]["TEST"]["MIRROR"] == "default"
    assert connections[REPLICA].settings_dict["NAME"] == connections["default"].settings_dict["NAME"]


@needs_replica
@on_both
def test_reads_inside_replica_reads_go_to_the_replica_and_writes_to_the_primary(
        supplier_org, supplier_user, service):
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary, replica_reads():
        incident = IncidentFactory(organisation=supplier_org, raised_by=supplier_user,
                                   services=[service])
        read_back = list(Incident.objects.filter(pk=incident.pk))
    assert read_back and read_back[0].reference == incident.reference
    assert any("incidents_incident" in q["sql"] and q["sql"].startswith("SELECT")
               for q in on_replica.captured_queries)
    assert not any(q["sql"].startswith(("INSERT", "UPDATE"))
                   for q in on_replica.captured_queries)
    assert any(q["sql"].startswith("INSERT INTO \"incidents_incident\"")
               for q in on_primary.captured_queries)


@needs_replica
@on_both
def test_reads_outside_the_block_stay_on_the_primary(supplier_org, supplier_user, service):
    IncidentFactory(organisation=supplier_org, raised_by=supplier_user, services=[service])
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert Incident.objects.count() == 1
    assert on_replica.captured_queries == []


@needs_replica
@on_both
def test_the_dashboard_reads_the_replica(supplier_org, supplier_user, service, operations_user):
    from reporting import dashboard

    IncidentFactory(organisation=supplier_org, raised_by=supplier_user, services=[service],
                    severity=2)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        figures = dashboard.build(user=operations_user)
    assert figures["open_total"] == 1
    assert any("incidents_incident" in q["sql"] for q in on_replica.captured_queries)
    assert not any("incidents_incident" in q["sql"] for q in on_primary.captured_queries)


@pytest.mark.skipif(WITH_REPLICA, reason="this is the child run")
def test_a_function_reading_the_replica_serves_concurrent_threads():
    """gthread workers run requests in threads: each call keeps its own routing state."""
    both_inside = threading.Barrier(2)
    errors, routed = [], []

    @replica_reads()
    def dashboard_like():
        both_inside.wait(timeout=10)
        routed.append(_reading_from_replica.get())

    def request():
        try:
            dashboard_like()
        except Exception as exc:  # the old shared-token version raised ValueError here
            errors.append(exc)

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == [] and routed == [True, True]
    assert _reading_from_replica.get() is False
