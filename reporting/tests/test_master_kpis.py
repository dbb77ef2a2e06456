"""Master incidents in the KPIs: one outage is counted once, through its master.

Checked against a reference computed independently, in Python, from the incidents'
own fields (not through the KPI engine's queries)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from incidents import masters, services
from incidents.factories import IncidentFactory
from incidents.models import Incident
from kernel.periods import Period
from reporting.kpis import definitions
from reporting.kpis.engine import PeriodKpis

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOVEMBER = Period.month(2026, 11)


def _reference(period):
    """Raised and resolved-within-SLA counts from the rows, by the rule in words."""
    counted = [i for i in Incident.objects.all()
               if i.master_id is None and i.status != "cancelled"]
    raised = [i for i in counted if period.start <= i.created_at < period.end]
    resolved = [i for i in counted if i.resolved_at and period.start <= i.resolved_at < period.end]
    within = [i for i in resolved if not i.resolution_breached]
    return len(raised), len(resolved), len(within)


def test_children_are_counted_through_their_master(desk_agent, supplier_user,
                                                    other_supplier_user, service,
                                                    django_capture_on_commit_callbacks):
    with time_machine.travel(datetime(2026, 11, 10, 9, 0, tzinfo=LONDON), tick=False):
        master = IncidentFactory(organisation=desk_agent.organisation, raised_by=desk_agent,
                                 severity=1, services=[service])
        children = [IncidentFactory(organisation=user.organisation, raised_by=user, severity=1,
                                    services=[service])
                    for user in (supplier_user, other_supplier_user, supplier_user)]
        alone = IncidentFactory(organisation=supplier_user.organisation,
                                raised_by=supplier_user, severity=3, services=[service])
        masters.link_children(master=master, children=children, by=desk_agent)
    with time_machine.travel(datetime(2026, 11, 10, 12, 0, tzinfo=LONDON), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.transition_incident(incident=master, by=desk_agent, to="resolved",
                                         resolution_code="fixed", resolution_notes="Failed over")
        services.transition_incident(incident=alone, by=desk_agent, to="resolved",
                                     resolution_code="fixed", resolution_notes="Advice")
    assert all(Incident.objects.get(pk=c.pk).status == "resolved" for c in children)
    results = PeriodKpis(NOVEMBER, now=datetime(2026, 12, 1, tzinfo=LONDON)).results()
    raised, resolved, within = _reference(NOVEMBER)
    assert (raised, resolved, within) == (2, 2, 2)  # the master and the lone incident
    assert results["incidents"].value == raised
    assert results["resolved_within_sla"].population == resolved
    assert definitions.CHILDREN_RULE in definitions.get("incidents").definition
