"""The hot queries over incidents are answered from an index, never a sequential scan.

PostgreSQL only (SQLite has no planner worth asking). The planner would rightly scan a
table of a few rows, so each plan is asked for with sequential scans priced out
(`enable_seqscan = off`): a query that still plans a Seq Scan on incidents has no index
that can answer it, and would scan the whole table at a million rows.
"""

import copy

import pytest
from django.db import connection

from incidents.factories import IncidentFactory
from incidents.models import Incident
from kernel.paginators import EXACT_UP_TO
from servicestatus import derivation

HISTORY = 3000

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="EXPLAIN plans are PostgreSQL's; SQLite has no comparable planner"),
]


@pytest.fixture
def incidents(supplier_org, supplier_user, service):
    """A dozen live incidents over a history of closed ones (the planner's statistics then
    look like a mature system's: most incidents closed, few open Sev1/Sev2)."""
    for n in range(12):
        IncidentFactory(organisation=supplier_org, raised_by=supplier_user, services=[service],
                        severity=(n % 4) + 1)
    model = Incident.objects.first()
    history = []
    for n in range(HISTORY):
        old = copy.copy(model)
        old.pk, old.reference, old.status, old.severity = None, f"OLD-{n:06d}", "closed", 3
        history.append(old)
    Incident.objects.bulk_create(history, batch_size=1000)
    Incident.services.through.objects.bulk_create(
        [Incident.services.through(incident_id=old.pk, service_id=service.pk) for old in history],
        batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE incidents_incident")
        cursor.execute("ANALYZE incidents_incident_services")
        cursor.execute("SET LOCAL enable_seqscan = off")


def _assert_no_incident_scan(queryset):
    plan = queryset.explain()
    assert "Seq Scan on incidents_incident " not in plan + " ", plan
    assert "Seq Scan on incidents_incident\n" not in plan, plan
    return plan


def test_derived_status_reads_only_the_open_service_affecting_incidents(incidents, service):
    through = Incident.services.through.objects.filter(
        service_id__in=[service.pk], incident__status__in=derivation.OPEN_STATUSES,
        incident__severity__in=derivation.SERVICE_AFFECTING_SEVERITIES)
    plan = _assert_no_incident_scan(through.values_list("service_id", "incident__reference"))
    assert "inc_open_affecting_idx" in plan


def test_the_status_page_reads_the_partial_index(incidents, service):
    plan = _assert_no_incident_scan(
        Incident.objects.open_affecting().filter(services__in=[service]).distinct()
        .order_by("severity", "-created_at"))
    assert "inc_open_affecting_idx" in plan


def test_a_participants_api_page_and_portal_page_read_their_organisations_index(
        incidents, supplier_user):
    mine = Incident.objects.visible_to(supplier_user)
    _assert_no_incident_scan(mine.order_by("-created_at", "-id")[:51])
    _assert_no_incident_scan(mine.open().order_by("-created_at")[:50])
    _assert_no_incident_scan(mine.open().order_by()[:EXACT_UP_TO + 1])  # the bounded count


def test_the_desks_api_page_reads_the_created_index(incidents, desk_agent):
    everything = Incident.objects.visible_to(desk_agent)
    _assert_no_incident_scan(everything.order_by("-created_at", "-id")[:51])


def test_the_breached_and_sla_queues_read_their_indexes(incidents):
    _assert_no_incident_scan(Incident.objects.breached().order_by("-id")[:50])
    _assert_no_incident_scan(Incident.objects.sla_check_due().order_by("sla_next_check_at")[:500])


def test_the_open_major_incidents_list_reads_its_partial_index(incidents, operations_user):
    """The dashboard and the workspace home list open major incidents newest first; without
    the partial index the planner walks the creation index past every closed incident."""
    plan = (Incident.objects.open().visible_to(operations_user).major()
            .order_by("-created_at")[:10]).explain()
    assert "inc_open_major_idx" in plan, plan


def test_the_workspace_reads_an_incidents_messages_from_the_subject_index(incidents):
    """The workspace timeline lists the outbox rows about one incident by subject prefix;
    the outbox grows with every message sent, so the read must not scan it."""
    from notifications.models import OutboundEmail
    from switching_sm.workspace.panels import messages_sent

    OutboundEmail.objects.bulk_create(
        [OutboundEmail(to=["a@example.com"], subject=f"[INC-{n:06d}] Update", body_text="x")
         for n in range(2000)], batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_outboundemail")
    plan = messages_sent(Incident.objects.first()).explain()
    assert "outbox_subject_prefix_idx" in plan, plan
    assert "Seq Scan on notifications_outboundemail" not in plan, plan


def test_connections_do_not_jit_compile_queries():
    """PostgreSQL would spend 0.4-0.7 s compiling each of a report's KPI aggregations over a
    month of a million incidents, more than it then runs for (settings: DATABASES OPTIONS)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
