"""SLA replay benchmark: how fast `sla_replay --all` rebuilds a whole history's SLA figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssm_sla_bench \\
        nice .venv/bin/python bench/sla_replay_bench.py [--n 1000000] [--keepdb]

Builds a throwaway test database (test_<name>), seeds the demo parties and
catalogue, bulk-inserts N incidents over two years with realistic histories
(most closed; some paused on the participant, some reopened, some re-graded;
half handed to a provider with an OLA leg), their stored figures computed the
way the old rules did (no pause moved a deadline; legs never stopped at
resolution), then measures, printing incidents per second:

1. replay: read every incident with its rows and rebuild its figures through
   the live replay (`sla_replay --all --dry-run`: nothing written);
2. correction: the same, storing what changed (`sla_replay --all`), over the
   first --correct incidents (default: all of them), and how many figures it
   changed.

Target (issue 11): a correction can be run over a whole history of 1 000 000
incidents; the printed throughput says how long that takes on this machine.

Measured with --n 1000000 --correct 100000 (PostgreSQL, the shared 2-core box, other
work running): seeding 1 758 s; replay 1 000 000 in 418 s = 2 394 incidents/s; correction
100 000 in 149 s = 670 incidents/s (59 % of incidents changed), i.e. 1 000 000 in 25 min.
"""

import argparse
import io
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switching_sm.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts import audit  # noqa: E402
from accounts import demo as accounts_demo  # noqa: E402
from accounts.models import Organisation, User  # noqa: E402
from incidents import sla_correction  # noqa: E402
from incidents.models import (  # noqa: E402
    Incident,
    IncidentTransition,
    OlaTarget,
    ProviderTask,
    ReferenceCounter,
    SeverityChange,
    SlaPolicy,
)
from kernel.clocks.units import Unit  # noqa: E402
from services import demo as services_demo  # noqa: E402
from services.models import BusinessCalendar  # noqa: E402

SEVERITY_WEIGHTS = [1, 8, 45, 46]
MIX = [("closed", 0.80), ("resolved", 0.04), ("in_progress", 0.08), ("pending", 0.03),
       ("new", 0.05)]
BATCH = 5000


def _olas(groups):
    always = BusinessCalendar.twenty_four_seven()
    working = BusinessCalendar.england_and_wales()
    olas = {}
    for group in groups:
        for severity, hours in zip((1, 2, 3, 4), (3, 16, 48, 60), strict=True):
            olas[(group.pk, severity)], _ = OlaTarget.objects.get_or_create(
                resolver_group=group, severity=severity,
                defaults={"resolution_amount": hours, "resolution_unit": Unit.HOURS,
                          "calendar": working if severity == 4 else always})
    return olas


def _history(rng, status, created, age, severity):
    """Return ([(from, to, at, pending reason)], [(at, from sev, to sev)], resolved_at)."""
    minutes = timedelta(minutes=1)
    at = created + minutes * rng.randint(1, 90)
    rows, changes = [], []
    if status == "new":
        return rows, changes, None
    rows.append(("new", "in_progress", at, ""))
    if rng.random() < 0.03:
        to = rng.choice([s for s in (1, 2, 3, 4) if s != severity])
        changes.append((at + minutes * rng.randint(1, 240), severity, to))
        severity = to
    if status == "pending" or rng.random() < 0.2:
        at += minutes * rng.randint(10, 600)
        rows.append(("in_progress", "pending", at, "awaiting_participant"))
        if status == "pending":
            return rows, changes, None
        at += minutes * rng.randint(10, 2000)
        rows.append(("pending", "in_progress", at, ""))
    if status == "in_progress":
        return rows, changes, None
    span = max(age - (at - created), minutes)
    at += span * rng.random() * (0.5 if rng.random() < 0.05 else 1)
    resolved = at
    rows.append(("in_progress", "resolved", at, ""))
    if resolved < created + age - timedelta(days=4) and rng.random() < 0.05:  # reopened
        at += minutes * rng.randint(30, 1440)
        rows.append(("resolved", "in_progress", at, ""))
        at += minutes * rng.randint(30, 2880)
        resolved = at
        rows.append(("in_progress", "resolved", at, ""))
    if status == "closed" and resolved + timedelta(days=5) < created + age:
        rows.append(("resolved", "closed", resolved + timedelta(days=5), ""))
    return rows, changes, resolved


def seed(n):
    """Bulk-insert `n` incidents with transitions, severity changes and legs."""
    out = io.StringIO()
    accounts_demo.seed(out)
    services_demo.seed(out)
    policy = SlaPolicy.objects.in_force()
    targets = {t.severity: (t.response_duration(), t.resolution_duration(), t.calendar.maths)
               for t in policy.targets.select_related("calendar")}
    participants = list(Organisation.objects.market_participants())
    raisers = {org.pk: org.users.filter(is_system_account=False).first() or
               User.objects.system_account_for(org) for org in participants}
    groups = list(Organisation.objects.providers())
    olas = _olas(groups)
    rng = random.Random(11)
    now = timezone.now()
    start = ReferenceCounter.next("incident")
    statuses, weights = [s for s, _ in MIX], [w for _, w in MIX]
    made = 0
    while made < n:
        size = min(BATCH, n - made)
        incidents, plans = [], []
        for i in range(size):
            number = start + made + i
            severity = rng.choices([1, 2, 3, 4], SEVERITY_WEIGHTS)[0]
            status = rng.choices(statuses, weights)[0]
            # Open ones are two to five days old, so their histories end before now.
            age = timedelta(minutes=rng.randint(10 * 24 * 60, 2 * 365 * 24 * 60)) if status in (
                "closed", "resolved") else timedelta(minutes=rng.randint(2 * 1440, 5 * 1440))
            created = now - age
            rows, changes, resolved = _history(rng, status, created, age, severity)
            if status == "closed" and rows[-1][1] != "closed":
                status = "resolved"  # resolved less than five days ago: not closed yet
            final = changes[-1][2] if changes else severity
            response, resolution, cal = targets[final]
            responded = rows[0][2] if rows else None
            # Stored the old way: the due time never moved for a pause or a reopen.
            due_response = cal.add_business_time(created, response)
            due_resolution = cal.add_business_time(created, resolution)
            org = rng.choice(participants)
            group = rng.choice(groups) if responded and rng.random() < 0.5 else None
            incidents.append(Incident(
                reference=f"INC-{number:07d}", title=f"Bench incident {number}",
                description="Switch requests are failing for a subset of MPANs.",
                organisation=org, raised_by=raisers[org.pk], channel="portal",
                severity=final, status=status, sla_policy=policy, created_at=created,
                responded_at=responded, resolved_at=resolved,
                closed_at=resolved + timedelta(days=5) if status == "closed" else None,
                resolution_code="fixed" if resolved else "",
                pending_reason="awaiting_participant" if status == "pending" else "",
                sla_paused=status == "pending", response_due_at=due_response,
                resolution_due_at=due_resolution, assigned_group=group,
                response_breached=bool(responded and responded > due_response),
                resolution_breached=bool(resolved and resolved > due_resolution)))
            plans.append((rows, changes, group, severity, responded))
        Incident.objects.bulk_create(incidents, batch_size=BATCH)
        ids = dict(Incident.objects.filter(
            reference__in=[i.reference for i in incidents]).values_list("reference", "pk"))
        transitions, severity_changes, legs = [], [], []
        for incident, (rows, changes, group, severity, responded) in zip(incidents, plans,
                                                                        strict=True):
            pk = ids[incident.reference]
            transitions += [IncidentTransition(incident_id=pk, from_status=a, to_status=b, at=at,
                                               pending_reason=reason)
                            for a, b, at, reason in rows]
            severity_changes += [SeverityChange(incident_id=pk, from_severity=a, to_severity=b,
                                                at=at, reason="Re-graded")
                                 for at, a, b in changes]
            if group is not None:  # the old rules: the leg never stopped at resolution
                ola = olas[(group.pk, severity)]
                legs.append(ProviderTask(
                    incident_id=pk, resolver_group=group, assigned_at=responded,
                    ola_target=ola, ola_due_at=ola.calendar.maths.add_business_time(
                        responded, ola.duration())))
        IncidentTransition.objects.bulk_create(transitions, batch_size=BATCH)
        SeverityChange.objects.bulk_create(severity_changes, batch_size=BATCH)
        ProviderTask.objects.bulk_create(legs, batch_size=BATCH)
        made += size
        if made % 50_000 == 0 or made == n:
            print(f"  seeded {made}/{n}", flush=True)
    ReferenceCounter.advance_to("incident", start + n)  # and the PostgreSQL sequence


def timed(label, n, **kwargs):
    began = time.perf_counter()
    with audit.acting(actor=None, channel=audit.Channel.SYSTEM):
        correction = sla_correction.correct_all(**kwargs)
    seconds = time.perf_counter() - began
    rate = correction.incidents / seconds if seconds else 0
    print(f"  {label:11} {correction.incidents:>9} incidents in {seconds:8.1f} s = "
          f"{rate:8.0f} incidents/s  (1 000 000 in {1_000_000 / rate / 60:5.1f} min)", flush=True)
    print(f"              {correction.summary()}", flush=True)
    return correction


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--correct", type=int, default=None,
                        help="store the correction for the first N incidents only (default all)")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--keepdb", action="store_true", help="reuse and keep the bench DB")
    args = parser.parse_args()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False,
                                                 keepdb=args.keepdb)
    print(f"Database {test_db} ({connection.vendor})")
    try:
        existing = Incident.objects.count()
        if existing < args.n:
            began = time.perf_counter()
            seed(args.n - existing)
            print(f"  seeded in {time.perf_counter() - began:.0f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"{Incident.objects.count()} incidents, {IncidentTransition.objects.count()} "
              f"transitions, {SeverityChange.objects.count()} severity changes, "
              f"{ProviderTask.objects.count()} provider tasks (the old assignment legs)")
        timed("replay", args.n, write=False, batch=args.batch)
        if args.correct is not None:
            last = Incident.objects.order_by("pk").values_list("pk", flat=True)[args.correct - 1]
            timed("correction", args.correct, write=True, batch=args.batch, up_to_pk=last)
        else:
            timed("correction", args.n, write=True, batch=args.batch)
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
