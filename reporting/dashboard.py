"""The Switching Operations dashboard: live figures from the other apps' records.

Every panel is one aggregate or one bounded list query; availability this
month is the shared availability function over all active services (one
interval query), so the page's query count does not grow with the data.
"""

from collections import defaultdict

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from changes.models import ChangeNotification
from demand.models import ExcessiveDemandAlert
from incidents.models import CLOSED_STATUSES, Incident, Status
from kernel import svg
from kernel.db_router import replica_reads
from kernel.periods import Kind, Period

from .kpis.engine import SEVERITIES, PeriodKpis

BREACHING_SOON_MINUTES = 60
LIST_LIMIT = 10
# The same set as Incident.objects.open(), written as a positive filter so PostgreSQL can use
# the incidents app's (status, ...) indexes instead of scanning every incident ever raised.
OPEN_STATUSES = [s for s in Status.values if s not in CLOSED_STATUSES]
# Month-to-date figures (SLA attainment, availability) scan the month's records; agents reload
# the page every minute, so they are shared for this long. Open work is always live.
MONTH_FIGURES_SECONDS = 60


def month_figures(month, now):
    """Return (resolved_within_sla KpiResult, [(ServiceAvailability, Service)], request
    figures) month to date, cached briefly and shared by everyone watching the dashboard.

    The request figures are {"end_to_end": {key: KpiResult}, "by_item": [(item, results)],
    "by_provider": [(provider, results)]}, items and providers with requests this month.
    """
    key = f"reporting:dashboard:{month.key}"
    cached = cache.get(key)
    if cached is None:
        kpis = PeriodKpis(month, now=now)
        requests = {
            "end_to_end": kpis.request_results(),
            "by_item": [(item, results) for item, results in kpis.results_by_request_item()
                        if results["requests"].value or results["requests_fulfilled"].value],
            "by_provider": kpis.request_results_by_provider(),
        }
        cached = (kpis.incident_results()["resolved_within_sla"],
                  list(zip(kpis.availability(), kpis.services, strict=True)), requests)
        cache.set(key, cached, MONTH_FIGURES_SECONDS)
    return cached


@replica_reads()  # read-only figures: the replica, if one is configured
def build(*, user, now=None):
    """Return the dashboard's context: figures, lists and SVG charts.

    Counts cover every incident; the lists name only incidents `user` may see (an auditor
    sees no security incident's reference or title)."""
    now = now or timezone.now()
    month = Period.containing(Kind.MONTH, now)
    week = Period.containing(Kind.WEEK, now)
    sla, availability, requests = month_figures(month, now)
    open_incidents = Incident.objects.filter(status__in=OPEN_STATUSES)
    # One scan of the open incidents, counted by severity and resolver group together.
    by_severity, groups = defaultdict(int), defaultdict(int)
    for severity, group, n in (open_incidents.order_by().values("severity", "assigned_group__name")
                               .annotate(n=Count("pk"))
                               .values_list("severity", "assigned_group__name", "n")):
        by_severity[severity] += n
        groups[group] += n
    by_group = [{"assigned_group__name": name, "n": n} for name, n in
                sorted(groups.items(), key=lambda item: (-item[1], item[0] or ""))]
    changes = (ChangeNotification.objects.scheduled().overlapping(week.start, week.end)
               .select_related("provider").order_by("planned_start"))
    changes_by_type = dict(changes.order_by().values("change_type").annotate(n=Count("pk"))
                           .values_list("change_type", "n"))
    return {
        "now": now, "month": month, "week": week, "sla": sla,
        "sla_dial": svg.attainment_dial(f"Resolved within SLA this month: {sla.value}%",
                                        sla.value, sla.target),
        "sla_by_severity": [(sev, *sla.by_severity[sev]) for sev in SEVERITIES],
        "open_total": sum(by_severity.values()),
        "open_by_severity": [(sev, by_severity.get(sev, 0)) for sev in SEVERITIES],
        "open_severity_chart": svg.bar_chart(
            "Open incidents by severity",
            [(f"Sev{sev}", by_severity.get(sev, 0), "bad" if sev == 1 else None)
             for sev in SEVERITIES]),
        "open_by_group": by_group,
        "open_group_chart": svg.bar_chart(
            "Open incidents by resolver group",
            [(row["assigned_group__name"] or "Service Desk (unassigned)", row["n"], None)
             for row in by_group[:LIST_LIMIT]]),
        "breaching_soon": list(Incident.objects.visible_to(user)
                               .breaching_within(minutes=BREACHING_SOON_MINUTES, now=now)
                               .select_related("assigned_group").order_by("resolution_due_at")
                               [:LIST_LIMIT]),
        "breaching_minutes": BREACHING_SOON_MINUTES,
        "major_incidents": list(open_incidents.visible_to(user).major().select_related("assigned_group")
                                [:LIST_LIMIT]),
        "changes_this_week": list(changes[:LIST_LIMIT]),
        "changes_by_type": [(label, changes_by_type.get(value, 0))
                            for value, label in ChangeNotification.Type.choices],
        "demand_alerts": list(ExcessiveDemandAlert.objects.awaiting_outcome()
                              .select_related("service")[:LIST_LIMIT]),
        "requests": requests["end_to_end"],
        "requests_by_item": requests["by_item"],
        "requests_by_provider": requests["by_provider"],
        "availability": availability,
        "availability_chart": svg.bar_chart(
            f"Availability {month.label} so far",
            [(s.code, m.availability, None if m.met_target is None else
              ("ok" if m.met_target else "bad")) for m, s in availability],
            unit="%", minimum=95, maximum=100, width=460),
    }
