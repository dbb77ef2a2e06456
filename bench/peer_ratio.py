"""Our workloads against django-helpdesk's, interleaved on one machine, printed as ratios.

    .venv/bin/python bench/peer_ratio.py [--rounds 2] [--dur 10] [--warm 3]

One command runs, `--rounds` times, the peer then ours: create at 1 and 8 clients, the
staff queue, API list and detail, detail pages, the dashboard and a monthly report, ours at
100k and at 1M one after the other in each workload (which goes first alternates by round,
so growth is measured between runs seconds apart); then ours only: events at 8 clients
and the public status page at 100 clients with a 0.5 s think time. It prints medians
across rounds and the ratios (ours/peer for throughput, peer/ours for latency: above 1
means we are better), and ours at 1M against ours at 100k (p50 ratio: 1.00 is flat).

Set-up, reused between runs (the slow parts run once):
- the peer harness (PEER_HARNESS, default ../shared/bench-peer beside this repository:
  read its README) installed under PEER_ROOT (default /tmp/peer: venv/ and site/), on
  PostgreSQL database PEER_PG_NAME (default ssm_perf_peer, as postgres); seeded with
  100,000 tickets by its seed_peer.py when it holds fewer;
- ours on PostgreSQL databases OURS_100K and OURS_1M (default ssm_perf_100k and
  ssm_perf_1m on 127.0.0.1), seeded by bench/seed_bench.py (COPY) when missing;
- a private redis-server on PORT_BASE + 20 for our cache and broker, one Celery worker
  per dataset, every server on 127.0.0.1 ports from PORT_BASE (default 8411: the peer;
  8412/8413 ours 100k with 2 sync workers / with gunicorn.conf.py, 8414 ours 1M).
Both sides run gunicorn with 2 sync workers for the comparisons (as in the issue's
measurement); the status page and events also run on ours with gunicorn.conf.py
(4 sync workers), the production configuration. Our API write rate
limit is lifted for the run (the peer has none). All traffic stays on 127.0.0.1; every
loop is bounded in count and time.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HARNESS = Path(os.environ.get("PEER_HARNESS", ROOT.parent.parent / "shared" / "bench-peer"))
if not HARNESS.exists():
    HARNESS = Path("/work/shared/bench-peer")
PEER_ROOT = Path(os.environ.get("PEER_ROOT", "/tmp/peer"))
PG = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
OURS_100K = os.environ.get("OURS_100K", "ssm_perf_100k")
OURS_1M = os.environ.get("OURS_1M", "ssm_perf_1m")
PEER_DB = os.environ.get("PEER_PG_NAME", "ssm_perf_peer")
PORT_BASE = int(os.environ.get("PORT_BASE", "8411"))
PEER_TICKETS = 100_000
OUR_SERVICES = "uk-link,des,css-registration,ecoes"

PREPARE = f"CODES = {OUR_SERVICES.split(',')!r}\n" + r'''
import json, os, sys
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switching_sm.settings")
import django
django.setup()
from django.conf import settings
from django.test import Client
from accounts.models import ApiToken, Organisation, User
from incidents.models import Incident
from services.models import Service
from servicestatus.services import recompute_status

def cookie(username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

# The services the creates and events name have their state rows, as the sweep makes them.
recompute_status(Service.objects.filter(code__in=CODES).values_list("pk", flat=True))
_, supplier = ApiToken.issue(organisation=Organisation.objects.get(short_code="brightwater"),
                             name="peer_ratio bench")
_, provider = ApiToken.issue(organisation=Organisation.objects.get(short_code="xoserve"),
                             name="peer_ratio bench")
n = Incident.objects.count()
sample = Incident.objects.order_by("id").values_list("id", "reference")[n // 2]
print(json.dumps({"supplier_token": supplier, "provider_token": provider,
                  "desk": cookie("desk"), "ops": cookie("ops"), "incidents": n,
                  "participant": cookie("bench-supplier"),
                  "sample_id": sample[0], "sample_reference": sample[1]}))
'''

PEER_PREPARE = r'''
import json, os, re, sys
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersite.settings")
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
from helpdesk.models import Queue, Ticket
c = Client()
c.force_login(get_user_model().objects.get(username="bench"))
n = Ticket.objects.count()
sample = Ticket.objects.order_by("id").values_list("id", flat=True)[n // 2]
html = c.get("/helpdesk/tickets/").content.decode()
dt = "/helpdesk/" + re.search(r"datatables_ticket_list/[A-Za-z0-9+/=]+", html).group(0)
print(json.dumps({"tickets": n, "sample_id": sample, "datatables": dt,
                  "queues": list(Queue.objects.order_by("id").values_list("id", flat=True))}))
'''

MONTHLY_REPORT = r'''
import json, os, sys, time
from datetime import UTC, datetime, timedelta
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switching_sm.settings")
import django
django.setup()
from accounts.models import User
from reporting import generation
from reporting.models import ServiceReport
from switching_sm.celery import load_url_patterns
# As in a Celery worker, which imports the URLconf when it starts (worker_init), not in its
# first task: without this the timing included 0.7 s of importing every app's views.
load_url_patterns()
report = ServiceReport.objects.create(period="2026-10", edition="internal", trigger="on_demand",
                                      requested_by=User.objects.get(username="ops"))
started = time.perf_counter()
report = generation.generate(report.pk, now=datetime(2026, 11, 4, tzinfo=UTC))
elapsed = (time.perf_counter() - started) * 1000
assert report.status == "ready", report.error
print(json.dumps({"p50_ms": elapsed, "p95_ms": elapsed, "n": 1}))
'''


def log(message):
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {message}", file=sys.stderr, flush=True)


def db_url(name):
    return f"{PG}/{name}"


def peer_env():
    return {**os.environ, "PEER_DB": "pg", "PEER_PG_NAME": PEER_DB,
            "PEER_PG_USER": urlparse(PG).username or "postgres",
            "PEER_PG_PASSWORD": urlparse(PG).password or "",
            "PEER_PG_HOST": urlparse(PG).hostname, "PEER_PG_PORT": str(urlparse(PG).port or 5432)}


def our_env(name, redis_db, redis_port):
    redis = f"redis://127.0.0.1:{redis_port}/{redis_db}"
    return {**os.environ, "DATABASE_URL": db_url(name), "REDIS_URL": redis,
            "CELERY_BROKER_URL": redis, "DEBUG": "false", "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false", "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECRET_KEY": "peer-ratio-bench-not-secret",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "RATE_LIMIT_API_WRITES": "1000000/minute", "CELERY_TASK_ALWAYS_EAGER": "false"}


class Processes:
    """Servers this run started; all stopped (by their own process group) at the end."""

    def __init__(self):
        self.started = []

    def start(self, args, *, env, cwd, log_to):
        process = subprocess.Popen(args, env=env, cwd=cwd, stdout=log_to, stderr=log_to,
                                   start_new_session=True)
        self.started.append(process)
        return process

    def stop(self):
        for process in reversed(self.started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def wait_for(url, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def wrk(script, url, *, connections, threads, seconds, env):
    """Run wrk with one of the harness's Lua scripts; return its JSON summary."""
    result = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s",
         "-s", str(script), url], env={**os.environ, **env}, capture_output=True, text=True,
        timeout=seconds + 120)
    line = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "{}"
    summary = json.loads(line)
    if summary.get("unexpected_status") or summary.get("err_connect"):
        log(f"  ! {url}: {summary.get('unexpected_status')} unexpected "
            f"(first {summary.get('first_unexpected')}), {summary.get('err_connect')} refused")
    return summary


def time_pages(python, auth, base, paths, *, warm, n):
    """Sequential timings with the harness's time_pages.py: {path: summary}."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(auth, handle)
    out = subprocess.run([str(python), str(HARNESS / "time_pages.py"), handle.name, base,
                          str(warm), str(n), *paths], capture_output=True, text=True,
                         timeout=3600)
    os.unlink(handle.name)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    for row in rows:
        bad = {code: k for code, k in row["status_codes"].items() if code != "200"}
        if bad:
            log(f"  ! {row['path']}: statuses {bad}")
    return {row["path"]: row for row in rows}


def ensure_seeded(args):
    for name, n, grow in ((OURS_100K, 100_000, []), (OURS_1M, 1_000_000,
                                                      ["--grow-from", OURS_100K])):
        log(f"ours: {name} ({n} incidents; seeded once, reused)")
        subprocess.run([str(BIN / "python"), "bench/seed_bench.py", "--n", str(n), *grow],
                       cwd=ROOT, env={**os.environ, "DATABASE_URL": db_url(name)}, check=True)
    python = PEER_ROOT / "venv" / "bin" / "python"
    site = PEER_ROOT / "site"
    if not python.exists():
        log(f"peer: installing django-helpdesk under {PEER_ROOT} (setup_peer.sh)")
        subprocess.run([str(HARNESS / "setup_peer.sh")], env={**os.environ,
                       "PEER_ROOT": str(PEER_ROOT)}, check=True, stdout=subprocess.DEVNULL)
    exists = subprocess.run(["psql", f"{PG}/postgres", "-tAc",
                             f"SELECT 1 FROM pg_database WHERE datname = '{PEER_DB}'"],
                            capture_output=True, text=True, check=True).stdout.strip()
    if not exists:
        subprocess.run(["psql", f"{PG}/postgres", "-qc", f'CREATE DATABASE "{PEER_DB}"'],
                       check=True)
    subprocess.run([str(python), "manage.py", "migrate", "-v0"], cwd=site, env=peer_env(),
                   check=True)
    count = subprocess.run(["psql", f"{PG}/{PEER_DB}", "-tAc",
                            "SELECT count(*) FROM helpdesk_ticket"], capture_output=True,
                           text=True)
    have = int(count.stdout.strip() or 0) if count.returncode == 0 else 0
    if have < PEER_TICKETS or have > PEER_TICKETS * 1.5:  # creates of earlier runs add up
        log(f"peer: seeding {PEER_TICKETS} tickets (it has {have})")
        subprocess.run([str(python), str(HARNESS / "seed_peer.py"), "--tickets",
                        str(PEER_TICKETS), "--followups", "2"], cwd=site, env=peer_env(),
                       check=True, stdout=subprocess.DEVNULL)
    return python, site


def drain_queues(redis_port, db, seconds=120):
    """Wait until the Celery queues in Redis `db` are empty; return how long that took."""
    import redis

    client, started = redis.Redis(port=redis_port, db=db), time.monotonic()
    while time.monotonic() - started < seconds:
        if sum(client.llen(queue) for queue in ("status", "notifications", "sla",
                                                 "default")) == 0:
            break
        time.sleep(0.5)
    time.sleep(2)  # the last task taken off the queue finishes
    return round(time.monotonic() - started, 1)


def median_of(rows, key):
    values = [row[key] for row in rows if row and row.get(key) is not None]
    return statistics.median(values) if values else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--dur", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--warm", type=int, default=3, help="seconds of wrk warm-up")
    parser.add_argument("--slow-n", type=int, default=3, help="timed requests per slow page")
    parser.add_argument("--peer-api-n", type=int, default=1,
                        help="timed peer API list/detail requests (about 50 s each)")
    parser.add_argument("--out", default=str(ROOT / "var" / "peer_ratio.json"))
    parser.add_argument("--only", default="", help="comma-separated workloads to run (e.g. "
                        "create_c1,create_c8; also events, status); default all")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    peer_python, peer_site = ensure_seeded(args)
    processes = Processes()
    logs = open(ROOT / "var" / "peer_ratio-servers.log", "w")  # noqa: SIM115
    redis_port = PORT_BASE + 20
    try:
        processes.start(["redis-server", "--port", str(redis_port), "--save", "",
                         "--appendonly", "no"], env=os.environ, cwd=ROOT, log_to=logs)
        peer_port, sync_100k, conf_100k, sync_1m = (PORT_BASE + i for i in range(4))
        processes.start([str(PEER_ROOT / "venv" / "bin" / "gunicorn"),
                         "peersite.wsgi:application", "--workers", "2", "--bind",
                         f"127.0.0.1:{peer_port}", "--timeout", "900", "--access-logfile",
                         "/dev/null", "--no-control-socket"], env=peer_env(), cwd=peer_site,
                        log_to=logs)
        ours = {}
        for label, name, redis_db, port, conf in (
                ("100k", OURS_100K, 0, sync_100k, None), ("1M", OURS_1M, 1, sync_1m, None),
                ("100k-conf", OURS_100K, 0, conf_100k, "gunicorn.conf.py")):
            env = our_env(name, redis_db, redis_port)
            command = [str(BIN / "gunicorn"), "switching_sm.wsgi:application", "--timeout",
                       "120", "--access-logfile", "/dev/null", "--no-control-socket"]
            if conf:
                env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
                command += ["-c", conf]
            else:  # gunicorn reads ./gunicorn.conf.py (4 workers) unless told otherwise
                command += ["-c", os.devnull, "--workers", "2", "--worker-class", "sync",
                            "--bind", f"127.0.0.1:{port}"]
            processes.start(command, env=env, cwd=ROOT, log_to=logs)
            ours[label] = {"base": f"http://127.0.0.1:{port}", "env": env}
        for label in ("100k", "1M"):
            processes.start([str(BIN / "celery"), "-A", "switching_sm", "worker", "-l",
                             "warning", "-Q", "status,notifications,sla,default", "-c", "1",
                             "-n", f"bench-{label}@%h", "--without-gossip", "--without-mingle",
                             "--without-heartbeat"], env=ours[label]["env"], cwd=ROOT,
                            log_to=logs)
        peer_base = f"http://127.0.0.1:{peer_port}"
        wait_for(f"{peer_base}/helpdesk/login/")
        for side in ours.values():
            wait_for(f"{side['base']}/healthz")
        peer = json.loads(subprocess.run([str(peer_python), "-c", PEER_PREPARE], cwd=peer_site,
                                         env=peer_env(), capture_output=True, text=True,
                                         check=True).stdout)
        peer.update(json.loads(subprocess.run(
            [str(peer_python), str(HARNESS / "login.py"), peer_base], capture_output=True,
            text=True, check=True).stdout))
        for label in ("100k", "1M"):
            ours[label].update(json.loads(subprocess.run(
                [str(BIN / "python"), "-c", PREPARE], cwd=ROOT, env=ours[label]["env"],
                capture_output=True, text=True, check=True).stdout.splitlines()[-1]))
        ours["100k-conf"].update({k: v for k, v in ours["100k"].items()
                                     if k not in ("base", "env")})
        results = run_rounds(args, peer, peer_base, peer_python, ours)
    finally:
        processes.stop()
        logs.close()
    Path(args.out).write_text(json.dumps(results, indent=1, default=str))
    print_table(results, args)


def run_rounds(args, peer, peer_base, peer_python, ours):
    lua, lua_ours = HARNESS / "lua", HARNESS / "lua-ours"
    peer_get = {"COOKIE": peer["cookie"]}
    peer_post = {"COOKIE": peer["cookie"], "CSRF": peer["csrftoken"],
                 "QUEUES": ",".join(map(str, peer["queues"]))}
    results = {"started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "load_start": os.getloadavg(), "rounds": []}

    only = {key for key in args.only.split(",") if key}

    def want(*keys):
        return not only or bool(only.intersection(keys))

    def series(script, url, env, connections=1, threads=1):
        wrk(script, url, connections=connections, threads=threads, seconds=args.warm, env=env)
        return wrk(script, url, connections=connections, threads=threads, seconds=args.dur,
                   env=env)

    def get(path, cookie=None):
        return lambda side: series(lua / "get.lua", side["base"] + path.format(**side),
                                   {"COOKIE": side[cookie]} if cookie else {})

    def create(connections):
        return lambda side: series(
            lua_ours / "create_incident.lua", f"{side['base']}/api/v1/incidents/",
            {"TOKEN": side["supplier_token"], "SERVICES": OUR_SERVICES},
            connections=connections, threads=2 if connections > 1 else 1)

    def monthly_report(side):
        return json.loads(subprocess.run(
            [str(BIN / "python"), "-c", MONTHLY_REPORT], cwd=ROOT, env=side["env"],
            capture_output=True, text=True, check=True).stdout.splitlines()[-1])

    OUR_WORKLOADS = [  # noqa: N806  (a table, read like the module's ROWS)
        ("queue", get("/admin/incidents/incident/?status__exact=in_progress", "desk")),
        # the participant who raised every seeded incident
        ("portal_list", get("/incidents/?show=all", "participant")),
        ("detail_page", get("/admin/incidents/incident/{sample_id}/change/", "desk")),
        # what the desk opens from a queue row
        ("workspace_page", get("/admin/workspace/incident/{sample_reference}/", "desk")),
        ("api_list", get("/api/v1/incidents/", "desk")),
        ("api_detail", get("/api/v1/incidents/{sample_reference}/", "desk")),
        ("dashboard", get("/reports/dashboard/", "ops")),
        ("monthly_report", monthly_report),
        ("create_c1", create(1)),
        ("create_c8", create(8)),
    ]

    for number in range(1, args.rounds + 1):
        row = {}
        log(f"round {number}/{args.rounds}: peer")
        p = {}
        if want("queue"):
            p["queue"] = series(lua / "get.lua", f"{peer_base}{peer['datatables']}"
                                "?draw=1&start=0&length=25", peer_get)
        if want("detail_page", "workspace_page"):
            p["detail_page"] = series(lua / "get.lua",
                                      f"{peer_base}/helpdesk/tickets/{peer['sample_id']}/",
                                      peer_get)
            p["workspace_page"] = p["detail_page"]  # the peer's one ticket page, against both
        if want("dashboard", "monthly_report"):
            slow = time_pages(peer_python, peer, peer_base,
                              ["/helpdesk/dashboard/", "/helpdesk/reports/queuestatus/"],
                              warm=1, n=args.slow_n)
            p["dashboard"], p["monthly_report"] = (slow["/helpdesk/dashboard/"],
                                                   slow["/helpdesk/reports/queuestatus/"])
        if want("api_list", "api_detail"):
            api = time_pages(peer_python, peer, peer_base,
                             ["/helpdesk/api/tickets/",
                              f"/helpdesk/api/tickets/{peer['sample_id']}/"],
                             warm=0, n=args.peer_api_n)
            p["api_list"] = api["/helpdesk/api/tickets/"]
            p["api_detail"] = api[f"/helpdesk/api/tickets/{peer['sample_id']}/"]
        if want("create_c1"):
            p["create_c1"] = series(lua / "create_ticket.lua",
                                    f"{peer_base}/helpdesk/api/tickets/", peer_post)
        if want("create_c8"):
            p["create_c8"] = series(lua / "create_ticket.lua",
                                    f"{peer_base}/helpdesk/api/tickets/", peer_post,
                                    connections=8, threads=2)
        row["peer"] = p
        # Ours at 100k and at 1M side by side, workload by workload (the first of the two
        # alternates between rounds), so a growth ratio compares runs a few seconds apart
        # that followed the same workloads, not two blocks minutes apart.
        order = ("100k", "1M") if number % 2 else ("1M", "100k")
        log(f"round {number}/{args.rounds}: ours, {order[0]} first in each workload")
        o = {label: {} for label in order}
        for key, measure in OUR_WORKLOADS:
            if want(key):
                for label in order:
                    o[label][key] = measure(ours[label])
        if want("events", "status"):
            side, g = ours["100k"], ours["100k-conf"]["base"]
            events = {"TOKEN": side["provider_token"]}
            at_100k = o["100k"]
            at_100k["events_c8_sync"] = series(lua_ours / "post_event.lua", side["base"], events,
                                           connections=8, threads=2)
            at_100k["events_c8"] = series(lua_ours / "post_event.lua", g, events, connections=8,
                                      threads=2)
            # The status page is timed in steady state: the worker first drains the
            # status recomputes the event burst queued (the burst is its own row above).
            at_100k["status_drain"] = {"value": drain_queues(PORT_BASE + 20, 0)}
            at_100k["status_c100"] = series(lua_ours / "get_think.lua", f"{g}/status/", {},
                                        connections=100, threads=2)
            at_100k["status_c100_sync"] = series(lua_ours / "get_think.lua",
                                             f"{side['base']}/status/", {}, connections=100,
                                             threads=2)
        row.update(o)
        results["rounds"].append(row)
    results["load_end"] = os.getloadavg()
    results["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return results


ROWS = [
    # (label, key, kind): kind "rps" compares throughput, "lat" compares p50 latency
    ("create, 1 client (req/s)", "create_c1", "rps"),
    ("create, 8 clients (req/s)", "create_c8", "rps"),
    ("staff queue (p50 ms)", "queue", "lat"),
    ("API list (p50 ms)", "api_list", "lat"),
    ("API detail (p50 ms)", "api_detail", "lat"),
    ("detail page: incident workspace (p50 ms)", "workspace_page", "lat"),
    ("detail page: stock change form (p50 ms)", "detail_page", "lat"),
    ("dashboard (p50 ms)", "dashboard", "lat"),
    ("monthly report (ms)", "monthly_report", "lat"),
]


def _fmt(value, digits=1):
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _seconds(ms):
    return _fmt(ms / 1000, 2) if ms else "-"


def print_table(results, args):
    rounds = results["rounds"]

    def med(side, key, field):
        return median_of([r[side].get(key) for r in rounds], field)

    lines = [f"Peer ratio run {results['started']} .. {results['finished']}, {args.rounds} "
             f"interleaved rounds (peer; ours 100k and 1M side by side per workload), wrk {args.dur} s after "
             f"{args.warm} s warm-up, medians of rounds",
             f"load average at start {tuple(round(x, 2) for x in results['load_start'])}, "
             f"at end {tuple(round(x, 2) for x in results['load_end'])}; 2 sync workers each",
             "",
             "| workload | peer 100k | ours 100k | ratio (>1 = ours better) | ours 1M | "
             "1M/100k p50 |",
             "|---|---|---|---|---|---|"]
    for label, key, kind in ROWS:
        peer_p50, ours_p50, big_p50 = (med(s, key, "p50_ms") for s in ("peer", "100k", "1M"))
        if kind == "rps":
            peer_v, ours_v, big_v = (med(s, key, "rps") for s in ("peer", "100k", "1M"))
            ratio = ours_v / peer_v if peer_v and ours_v else None
        else:
            peer_v, ours_v, big_v = peer_p50, ours_p50, big_p50
            ratio = peer_v / ours_v if peer_v and ours_v else None
        growth = big_p50 / ours_p50 if big_p50 and ours_p50 else None
        lines.append(f"| {label} | {_fmt(peer_v)} | {_fmt(ours_v)} | x{_fmt(ratio, 2)} | "
                     f"{_fmt(big_v)} | {_fmt(growth, 2)} |")
    portal, portal_1m = med("100k", "portal_list", "p50_ms"), med("1M", "portal_list", "p50_ms")
    lines.append(f"| portal list (p50 ms) | - | {_fmt(portal)} | - | {_fmt(portal_1m)} | "
                 f"{_fmt(portal_1m / portal if portal and portal_1m else None, 2)} |")
    lines += ["", "Ours only (100k):",
              f"- events, 8 clients: {_fmt(med('100k', 'events_c8', 'rps'))}/s with "
              f"gunicorn.conf.py (4 sync workers), p95 {_fmt(med('100k', 'events_c8', 'p95_ms'))}"
              f" ms; {_fmt(med('100k', 'events_c8_sync', 'rps'))}/s with 2 sync workers",
              f"- status page, 100 clients, 0.5 s think (after the worker drained the event "
              f"burst's status work: {_fmt(med('100k', 'status_drain', 'value'))} s): p95 "
              f"{_fmt(med('100k', 'status_c100', 'p95_ms'))} ms, p50 "
              f"{_fmt(med('100k', 'status_c100', 'p50_ms'))} ms, "
              f"{_fmt(med('100k', 'status_c100', 'rps'))} req/s (gunicorn.conf.py); 2 sync workers: p95 "
              f"{_fmt(med('100k', 'status_c100_sync', 'p95_ms'))} ms",
              f"- create p50 at 8 clients: {_fmt(med('100k', 'create_c8', 'p50_ms'))} ms at 100k, "
              f"{_fmt(med('1M', 'create_c8', 'p50_ms'))} ms at 1M; peer "
              f"{_fmt(med('peer', 'create_c8', 'p50_ms'))} ms",
              f"- monthly report (internal edition, Oct 2026, PDF+XLSX+CSV): "
              f"{_seconds(med('100k', 'monthly_report', 'p50_ms'))} s at 100k, "
              f"{_seconds(med('1M', 'monthly_report', 'p50_ms'))} s at 1M; the peer's "
              f"queue-status report {_seconds(med('peer', 'monthly_report', 'p50_ms'))} s",
              "- datasets: seeded by bench/seed_bench.py (incidents over the 12 months to Nov "
              "2026); the peer by its seed_peer.py (100k tickets, 200k follow-ups)"]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
