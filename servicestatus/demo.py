"""Demo data: 90 days of status history, a manual status, event rules and events, bulletins,
subscriptions. Idempotent: records are matched on natural keys; a service's demo history is
written before its first real interval and rewritten on each run."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from accounts.models import Organisation, User
from kernel.periods import LONDON
from services.models import Service

from .models import (
    Bulletin,
    Cause,
    Event,
    EventRule,
    ServiceState,
    Status,
    StatusInterval,
    Subscription,
    WebhookEndpoint,
)
from .services import recompute_all, set_service_status

# service code, days ago, start hour (UK), duration hours, status, reason
OUTAGES = [
    ("css-registration", 62, 9, 1.5, Status.MAJOR_OUTAGE, "Message queue failure"),
    ("css-registration", 20, 2, 3, Status.UNDER_MAINTENANCE, "Planned database upgrade"),
    ("uk-link", 45, 14, 4, Status.PARTIAL_OUTAGE, "Gas nominations delayed"),
    ("uk-link", 12, 7, 0.5, Status.MAJOR_OUTAGE, "Network outage at the data centre"),
    ("ecoes", 30, 10, 6, Status.DEGRADED, "Slow searches"),
    ("dcc-dsp", 8, 22, 2, Status.PARTIAL_OUTAGE, "Secured messages delayed"),
]

BULLETINS = [
    ("CSS planned maintenance this Sunday", Bulletin.Kind.SCHEDULED_CHANGE,
     Bulletin.Audience.PUBLIC, "", False,
     "The CSS Registration Service will be unavailable 02:00-04:00 on Sunday for a database "
     "upgrade. Switch requests received in the window are queued."),
    ("UK Link incident: please acknowledge", Bulletin.Kind.INCIDENT_UPDATE,
     Bulletin.Audience.PARTICIPANTS, "", True,
     "Gas nominations were delayed this morning. Please confirm you have re-submitted any "
     "rejected switch requests."),
    ("Gas shippers: nomination cut-off extended", Bulletin.Kind.AVAILABILITY,
     Bulletin.Audience.MARKET_ROLE, "gas_shipper", False,
     "Today's nomination cut-off is extended by one hour."),
    ("Desk rota for the bank holiday", Bulletin.Kind.GENERAL, Bulletin.Audience.INTERNAL, "",
     False, "Two agents on shift 08:00-20:00; Switching Operations on call."),
]


def _local(day, hour):
    whole = int(hour)
    return datetime.combine(day, time(whole, int((hour - whole) * 60)), tzinfo=LONDON)


def _rebuild_history(service, outages, now):
    """Write the demo past (marked DEMO) before the service's first real interval."""
    StatusInterval.objects.filter(service=service, cause_reference__startswith="DEMO").delete()
    first_real = (StatusInterval.objects.filter(service=service).order_by("start")
                  .values_list("start", flat=True).first()) or now
    cursor = now - timedelta(days=91)
    if first_real <= cursor:
        return
    today = timezone.localtime(now, LONDON).date()
    for days_ago, hour, hours, status, reason in sorted(outages, reverse=True):
        start = _local(today - timedelta(days=days_ago), hour)
        end = start + timedelta(hours=hours)
        if end > first_real:
            continue
        StatusInterval.objects.create(service=service, status=Status.OPERATIONAL, start=cursor,
                                      end=start, cause=Cause.RECOVERED, cause_reference="DEMO")
        StatusInterval.objects.create(service=service, status=status, start=start, end=end,
                                      cause=Cause.MANUAL, reason=reason,
                                      cause_reference=f"DEMO-{days_ago}")
        cursor = end
    StatusInterval.objects.create(service=service, status=Status.OPERATIONAL, start=cursor,
                                  end=first_real, cause=Cause.RECOVERED, cause_reference="DEMO")


def seed(stdout):
    now = timezone.now()
    recompute_all(now=now)
    by_service = {}
    for code, *rest in OUTAGES:
        by_service.setdefault(code, []).append(tuple(rest))
    for code, outages in by_service.items():
        service = Service.objects.filter(code=code).first()
        if service:
            _rebuild_history(service, outages, now)

    desk = User.objects.get(username="desk")
    address = Service.objects.get(code="css-address")
    if not ServiceState.objects.get(service=address).manual_status:
        set_service_status(service=address, status=Status.DEGRADED,
                           reason="Address lookups slow while the REL refresh runs", by=desk)

    EventRule.objects.update_or_create(service=None, defaults={
        "raise_incident": True, "incident_severity": 3, "set_degraded": True,
        "degraded_hold": timedelta(minutes=30)})
    xoserve = Organisation.objects.get(short_code="xoserve")
    uk_link = Service.objects.get(code="uk-link")
    for days_ago, severity, key, message, count in [
        (1, Event.Severity.WARNING, "uk-link/disk/db01", "Disk 85% full on db01", 4),
        (3, Event.Severity.INFO, "uk-link/batch/nightly", "Nightly batch finished late", 1),
        (5, Event.Severity.WARNING, "uk-link/api/latency", "API p95 above 2 s", 12),
    ]:
        occurred = now - timedelta(days=days_ago)
        Event.objects.update_or_create(
            service=uk_link, dedup_key=key, organisation=xoserve,
            defaults={"source": "xoserve-monitoring", "severity": severity, "message": message,
                      "occurred_at": occurred, "last_seen": occurred + timedelta(hours=1),
                      "count": count})

    for title, kind, audience, role, ack, body in BULLETINS:
        bulletin, _ = Bulletin.objects.update_or_create(title=title, defaults={
            "kind": kind, "audience": audience, "market_role": role,
            "requires_acknowledgement": ack, "body": body, "created_by": desk,
            "status": Bulletin.State.PUBLISHED, "published_at": now - timedelta(hours=2)})
        if title.startswith("CSS"):
            bulletin.services.set(Service.objects.filter(code="css-registration"))

    supplier = User.objects.get(username="supplier")
    Subscription.objects.get_or_create(user=supplier, service=Service.objects.get(
        code="css-registration"))
    Subscription.objects.get_or_create(user=supplier, bulletin_kind=Bulletin.Kind.GENERAL)
    WebhookEndpoint.objects.get_or_create(
        organisation=supplier.organisation, url="https://hooks.brightwater.example/switching",
        defaults={"topics": ["status", "bulletin"], "created_by": supplier})
    stdout.write(f"  status for {ServiceState.objects.count()} services, "
                 f"{StatusInterval.objects.count()} intervals, {Bulletin.objects.count()} "
                 f"bulletins, {Event.objects.count()} events")
