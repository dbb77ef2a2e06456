"""The storm benchmark (issue 16): CSS Registration fails and the market reports it at once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssm_multiparty \
    REDIS_URL=redis://127.0.0.1:6379/8 \
        .venv/bin/python bench/storm_bench.py [--incidents 500] [--participants 100] \
            [--clients 16] [--port 8550] [--workers 3]

Builds a throw-away database (named by DATABASE_URL's own name: it is dropped and
recreated), seeds the demo parties and catalogue plus `--participants` energy suppliers,
each with its own API token, and starts gunicorn and a real Celery worker (broker: the
REDIS_URL database). The desk raises a Sev1 master incident on CSS Registration and
declares it major (the market is told), then:

- `--clients` threads raise `--incidents` Sev1 incidents on CSS Registration through the
  API, round-robin over the participants' tokens, as fast as they are answered;
- meanwhile the desk, through the API with its own token, gathers every new incident
  under the master in batches (POST incidents/{master}/children/) every second;
- five seconds in, the desk posts the master's first update, which reaches the children
  already linked by the cascade and the later ones by the catch-up on linking.

Prints creates/s and the p50/p95 of a create, whether all `--incidents` creates finished
within 120 s, links/s, the messages queued and delivered
by the outbox, and the time from the first update to the moment every child shows it
(a cascaded public comment on the child). Every process it started is stopped at the end.
"""

import argparse
import io
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switching_sm.settings")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.db import connection  # noqa: E402

from accounts import demo as accounts_demo  # noqa: E402
from accounts.models import ApiToken, Organisation, User  # noqa: E402
from incidents import major_incidents  # noqa: E402
from incidents.models import CascadedUpdate, Communication, Incident  # noqa: E402
from notifications.models import OutboundEmail  # noqa: E402
from services import demo as services_demo  # noqa: E402

SERVICE = "css-registration"
CREATE_WINDOW = 120  # seconds: the market's storm of creates must be answered within this


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def seed(participants):
    """Seed the demo parties and catalogue and `participants` suppliers; return
    (participant keys, desk key, desk user)."""
    out = io.StringIO()
    accounts_demo.seed(out)
    services_demo.seed(out)
    keys = []
    for n in range(participants):
        org = Organisation.objects.create(
            name=f"Storm Supplier {n:03d}", short_code=f"storm-{n:03d}",
            kind=Organisation.Kind.MARKET_PARTICIPANT,
            market_role=Organisation.MarketRole.ENERGY_SUPPLIER,
            contact_email=f"duty@storm-{n:03d}.example")
        keys.append(ApiToken.issue(organisation=org, name="storm bench")[1])
    desk_org = Organisation.objects.get(kind=Organisation.Kind.SERVICE_DESK)
    desk_key = ApiToken.issue(organisation=desk_org, name="storm bench desk")[1]
    desk = User.objects.filter(username="desk").first()
    return keys, desk_key, desk


def start(command, env, log):
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def database_url():
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=500)
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--port", type=int, default=8550)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--wait", type=float, default=300,
                        help="seconds to wait for the outbox and the cascade to finish")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run the storm on PostgreSQL (set DATABASE_URL).")
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        sys.exit("Set REDIS_URL (the worker's broker), e.g. redis://127.0.0.1:6379/8.")
    name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = name  # the bench database is DATABASE_URL's
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    print(f"Database {name} (PostgreSQL); seeding {args.participants} participants")
    keys, desk_key, desk = seed(args.participants)

    var = tempfile.mkdtemp(prefix="storm-bench-")
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": redis_url,
           "CELERY_BROKER_URL": redis_url, "CELERY_TASK_ALWAYS_EAGER": "false",
           "SSM_VAR_DIR": var, "SECURE_SSL_REDIRECT": "false", "SESSION_COOKIE_SECURE": "false",
           "RATE_LIMIT_API_WRITES": "100000/minute"}
    log = open(Path(var) / "processes.log", "w")
    server = start([str(ROOT / ".venv/bin/gunicorn"), "switching_sm.wsgi", "-b",
                    f"127.0.0.1:{args.port}", "-w", str(args.workers), "--preload", "--timeout", "120",
                    "--log-level", "warning"], env, log)
    worker = start([str(ROOT / ".venv/bin/celery"), "-A", "switching_sm", "worker", "-Q",
                    "sla,status,notifications,reports,default", "-c", "2", "--loglevel",
                    "warning", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                   env, log)
    base = f"http://127.0.0.1:{args.port}/api/v1"
    try:
        for _ in range(300):
            try:
                requests.get(f"{base}/services/", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.2)
        run(args, base, keys, desk_key, desk)
    finally:
        stop(server)
        stop(worker)
        log.close()
        connection.close()


def run(args, base, keys, desk_key, desk):
    desk_http = requests.Session()
    desk_http.headers["Authorization"] = f"Token {desk_key}"
    master = desk_http.post(f"{base}/incidents/", json={
        "title": "CSS Registration not accepting switch requests", "severity": 1,
        "description": "Timeouts on every switch request", "services": [SERVICE]}, timeout=30)
    master.raise_for_status()
    master_ref = master.json()["reference"]
    major_incidents.declare_major(incident=Incident.objects.get(reference=master_ref), by=desk,
                                  manager=desk, summary="CSS Registration is unavailable.")
    print(f"Master {master_ref} declared; {args.incidents} incidents from {len(keys)} "
          f"participants, {args.clients} clients")

    timings, errors, lock = [], [], threading.Lock()
    counter = iter(range(args.incidents))
    sessions = {}

    def raise_some():
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            key = keys[n % len(keys)]
            http = sessions.setdefault((threading.get_ident(), key), requests.Session())
            began = time.perf_counter()
            response = http.post(f"{base}/incidents/", headers={
                "Authorization": f"Token {key}", "Idempotency-Key": f"storm-{n}"},
                json={"title": "Switch requests rejected", "severity": 1,
                      "description": f"Participant report {n}", "services": [SERVICE]},
                timeout=60)
            with lock:
                (timings if response.status_code == 201 else errors).append(
                    time.perf_counter() - began)

    linked, link_times, failed_batches, done = [], [], [], threading.Event()
    master_id = Incident.objects.get(reference=master_ref).pk

    def link():
        while True:
            finished = done.is_set()
            refs = list(Incident.objects.filter(services__code=SERVICE, master__isnull=True)
                        .exclude(pk=master_id).values_list("reference", flat=True)[:50])
            if refs:
                began = time.perf_counter()
                answer = desk_http.post(f"{base}/incidents/{master_ref}/children/",
                                        json={"children": refs}, timeout=120)
                link_times.append(time.perf_counter() - began)
                if answer.status_code == 200:
                    linked.extend(answer.json()["linked"])
                else:
                    failed_batches.append(answer.status_code)
            elif finished:
                return
            time.sleep(1)

    first_update = {}

    def update_later():
        time.sleep(5)
        first_update["at"] = time.perf_counter()
        answer = desk_http.post(f"{base}/incidents/{master_ref}/communications/", json={
            "kind": "update", "body": "CSS database failover under way; next update 30 min."},
            timeout=60)
        first_update["id"] = answer.json()["id"]

    began = time.perf_counter()
    clients = [threading.Thread(target=raise_some) for _ in range(args.clients)]
    linker = threading.Thread(target=link)
    updater = threading.Thread(target=update_later)
    for thread in (*clients, linker, updater):
        thread.start()
    for thread in clients:
        thread.join()
    raised_in = time.perf_counter() - began
    done.set()
    linker.join()
    updater.join()
    linked_in = time.perf_counter() - began
    linked = list(Incident.objects.filter(master_id=master_id).values_list("reference",
                                                                           flat=True))

    created = len(timings)
    print(f"  creates: {created} in {raised_in:.1f} s = {created / raised_in:.1f}/s, "
          f"p50 {percentile(timings, 0.5) * 1000:.0f} ms, p95 {percentile(timings, 0.95) * 1000:.0f} "
          f"ms, {len(errors)} errors")
    finished = created == args.incidents and raised_in <= CREATE_WINDOW
    print(f"  creates within {CREATE_WINDOW} s: {'yes' if finished else 'NO'} ({created} of "
          f"{args.incidents} created in {raised_in:.1f} s)")
    print(f"  linked: {len(linked)} children, the last {linked_in:.1f} s from the start "
          f"({len(link_times)} batches of up to 50, p95 {percentile(link_times, 0.95) * 1000:.0f} "
          f"ms, refused batches: {failed_batches or 'none'})")

    update_id = first_update["id"]
    deadline = time.monotonic() + args.wait
    children = Incident.objects.filter(master_id=master_id)
    shown_at = None
    while time.monotonic() < deadline:
        total = children.count()
        shown = CascadedUpdate.objects.filter(communication_id=update_id).count()
        if total and shown >= total:
            shown_at = time.perf_counter()
            break
        time.sleep(0.5)
    if shown_at is None:
        print(f"  first update: shown on {shown} of {total} children after {args.wait:.0f} s")
    else:
        print(f"  first update: on every child ({total}) {shown_at - first_update['at']:.1f} s "
              f"after it was posted ({shown_at - began:.1f} s from the start)")
    while time.monotonic() < deadline:
        if not OutboundEmail.objects.filter(status__in=["pending", "sending"]).exists():
            break
        time.sleep(0.5)
    storm = OutboundEmail.objects.filter(dedup_key__startswith="incident-comm-")
    sent = storm.filter(status="sent").count()
    per_comm = {c.pk: storm.filter(dedup_key__startswith=f"incident-comm-{c.pk}-").count()
                for c in Communication.objects.filter(incident_id=master_id)}
    print(f"  messages: {OutboundEmail.objects.count()} queued in all, "
          f"{OutboundEmail.objects.filter(status='sent').count()} delivered; communications "
          f"{storm.count()} queued, {sent} delivered (per communication: {per_comm})")


if __name__ == "__main__":
    main()
