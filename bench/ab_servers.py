"""Two builds of Switching SM side by side on one database, interleaved: req/s and web CPU.

    .venv/bin/python bench/ab_servers.py --old /tmp/old-tree [--workload events]
        [--rounds 4] [--dur 15] [--warm 5] [--db ssm_perf_100k] [--old-db NAME]

For a change to a hot path: `--old` is a checkout of the commit before (e.g. `git worktree
add /tmp/old-tree HEAD~1`), this tree is the new one. Both run gunicorn with 2 sync workers
on the same PostgreSQL database (bench/peer_ratio.py seeds it) and one private Redis,
each with a Celery worker; rounds alternate old, new, old, new so the machine's drift
(200-290 events/s within minutes on this shared machine) falls on both. It prints each
round's req/s, p50 and the web processes' CPU per request read from /proc: the figure the
noise disturbs least, and the Celery worker's CPU per request (the work a request leaves
behind). With `--old .` and `--old-db ssm_perf_1m` it compares one build on two databases
(growth from 100k to 1M incidents) instead.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peer_ratio import (  # noqa: E402  (a sibling script, not a package)
    BIN,
    HARNESS,
    OUR_SERVICES,
    PORT_BASE,
    PREPARE,
    ROOT,
    Processes,
    log,
    our_env,
    wait_for,
    wrk,
)

# workload: (Lua script of the harness, path, the token PREPARE issues it, clients)
WORKLOADS = {
    "events": ("post_event.lua", "", "provider_token", 8),
    "create_c8": ("create_incident.lua", "/api/v1/incidents/", "supplier_token", 8),
    "create_c1": ("create_incident.lua", "/api/v1/incidents/", "supplier_token", 1),
    "status": ("get_think.lua", "/status/", None, 100),  # 0.5 s think time per client
}
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(root_pid):
    """CPU (user + system) of a process and its children that are still alive."""
    pids = [root_pid] + [int(p) for p in Path(f"/proc/{root_pid}/task/{root_pid}/children")
                         .read_text().split()]
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="source tree of the build to compare")
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="events")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--dur", type=int, default=15)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--db", default=os.environ.get("OURS_100K", "ssm_perf_100k"))
    parser.add_argument("--old-db", help="the old side's database (default --db)")
    parser.add_argument("--old-env", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment variable set for the old side only")
    parser.add_argument("--conf", action="store_true",
                        help="run both with gunicorn.conf.py (production) instead of 2 sync workers")
    args = parser.parse_args()
    script, path, token_key, clients = WORKLOADS[args.workload]
    # Stopped (kill, timeout) it still stops its servers: SIGTERM runs the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    processes = Processes()
    logs = open(ROOT / "var" / "ab_servers.log", "w")  # noqa: SIM115
    redis_port = PORT_BASE + 21
    sides = {}
    try:
        processes.start(["redis-server", "--port", str(redis_port), "--save", "",
                         "--appendonly", "no"], env=os.environ, cwd=ROOT, log_to=logs)
        for number, (label, tree, db) in enumerate((
                ("old", Path(args.old).resolve(), args.old_db or args.db),
                ("new", ROOT, args.db))):
            env = our_env(db, number, redis_port)
            if label == "old":
                env.update(item.split("=", 1) for item in args.old_env)
            port = PORT_BASE + 15 + number
            command = [str(BIN / "gunicorn"), "switching_sm.wsgi:application", "--timeout",
                       "120", "--access-logfile", "/dev/null", "--no-control-socket"]
            if args.conf:
                env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
                command += ["-c", "gunicorn.conf.py"]
            else:
                command += ["-c", os.devnull, "--workers", "2", "--worker-class", "sync",
                            "--bind", f"127.0.0.1:{port}"]
            web = processes.start(command, env=env, cwd=tree, log_to=logs)
            worker = processes.start([str(BIN / "celery"), "-A", "switching_sm", "worker", "-l",
                             "warning", "-c", "1", "-n", f"ab-{label}@%h", "--without-gossip",
                             "--without-mingle", "--without-heartbeat"], env=env, cwd=tree,
                            log_to=logs)
            sides[label] = {"base": f"http://127.0.0.1:{port}", "web": web, "env": env,
                            "worker": worker, "tree": tree, "db": db, "rounds": []}
        for side in sides.values():
            wait_for(f"{side['base']}/healthz")
            prepared = json.loads(subprocess.run(
                [str(BIN / "python"), "-c", PREPARE], cwd=side["tree"], env=side["env"],
                capture_output=True, text=True, check=True).stdout)
            side["wrk_env"] = {"SERVICES": OUR_SERVICES}
            if token_key:
                side["wrk_env"]["TOKEN"] = prepared[token_key]
        lua = HARNESS / "lua-ours" / script
        for number in range(1, args.rounds + 1):
            for label, side in sides.items():
                url = side["base"] + path
                wrk(lua, url, connections=clients, threads=2, seconds=args.warm,
                    env=side["wrk_env"])
                before = [cpu_seconds(side[kind].pid) for kind in ("web", "worker")]
                summary = wrk(lua, url, connections=clients, threads=2, seconds=args.dur,
                              env=side["wrk_env"])
                cpu = [cpu_seconds(side[kind].pid) - start
                       for kind, start in zip(("web", "worker"), before, strict=True)]
                done = summary.get("requests") or 1
                row = {"rps": summary.get("rps"), "p50_ms": summary.get("p50_ms"),
                       "p95_ms": summary.get("p95_ms"),
                       "cpu_ms": 1000 * cpu[0] / done, "worker_ms": 1000 * cpu[1] / done}
                side["rounds"].append(row)
                log(f"round {number} {label}: {row['rps']:.1f} req/s, p50 "
                    f"{row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms, web CPU "
                    f"{row['cpu_ms']:.2f} ms a request, worker {row['worker_ms']:.2f} ms")
    finally:
        processes.stop()
    print(f"{args.workload} at {clients} client(s), {args.rounds} interleaved rounds of "
          f"{args.dur} s ({'gunicorn.conf.py' if args.conf else '2 sync workers'} each):")
    for label, side in sides.items():
        rps = [r["rps"] for r in side["rounds"]]
        cpu = [r["cpu_ms"] for r in side["rounds"]]
        work = [r["worker_ms"] for r in side["rounds"]]
        p95 = [r["p95_ms"] for r in side["rounds"]]
        print(f"  {label} ({side['tree']}, {side['db']}): req/s {', '.join(f'{x:.1f}' for x in rps)} "
              f"(median {statistics.median(rps):.1f}); web CPU ms a request "
              f"{', '.join(f'{x:.2f}' for x in cpu)} (median {statistics.median(cpu):.2f}); "
              f"worker CPU ms a request (median) {statistics.median(work):.2f}; p95 ms "
              f"{', '.join(f'{x:.1f}' for x in p95)}")


if __name__ == "__main__":
    main()
