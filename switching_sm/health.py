"""`/healthz` (liveness) and `/readyz` (readiness) for orchestrators and load balancers.

Answered by the first middleware, before host validation, HTTPS redirects, sessions or
authentication, so a probe from inside the network (Host: 127.0.0.1, plain http) works
and a probe never touches the session table.

- `/healthz`: 200 while this web process can answer at all. Nothing else is checked, so
  an orchestrator restarts a web container only when the process itself is stuck.
- `/readyz`: 200 when the database, the cache and the broker answer and a worker and beat
  have written a heartbeat within HEARTBEAT_STALE_SECONDS; else 503 with Retry-After,
  naming what failed. Also shows this process's after-commit failures (left to sweeps).
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

from kernel import after_commit, heartbeats

PATHS = {"/healthz", "/healthz/", "/readyz", "/readyz/"}


def _timed(check):
    started = time.monotonic()
    try:
        detail = check() or {}
        result = {"ok": True, **detail}
    except Exception as exc:  # any failure is a "not ready" answer, never a 500
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache():
    if hasattr(cache, "ping"):  # kernel.cache.ResilientRedisCache: a real round trip
        cache.ping()
        return None
    cache.set("readyz", 1, 5)
    if cache.get("readyz") != 1:
        raise RuntimeError("the cache did not return what was stored")
    return None


def check_broker():
    from switching_sm.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        return {"transport": conn.transport.driver_type}


def _heartbeat(prefix):
    def check():
        age = heartbeats.freshest(prefix)
        if not heartbeats.is_fresh(age):
            raise RuntimeError("no heartbeat" if age is None else
                               f"last heartbeat {age:.0f} s ago "
                               f"(limit {settings.HEARTBEAT_STALE_SECONDS:.0f} s)")
        return {"age_seconds": round(age, 1)}

    return check


def readiness():
    """Return (ready, checks) for /readyz."""
    checks = {
        "database": _timed(check_database),
        "cache": _timed(check_cache),
        "broker": _timed(check_broker),
        "worker": _timed(_heartbeat("worker:")),
        "beat": _timed(_heartbeat("beat")),
    }
    if not checks["database"]["ok"]:  # heartbeats live in the database: say so once
        for name in ("worker", "beat"):
            checks[name] = {"ok": False, "error": "unknown: the database is unavailable"}
    return all(c["ok"] for c in checks.values()), checks


class HealthCheckMiddleware:
    """Answer /healthz and /readyz before anything else runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path not in PATHS:
            return self.get_response(request)
        if request.path.startswith("/healthz"):
            return JsonResponse({"status": "alive"})
        ready, checks = readiness()
        response = JsonResponse({"status": "ready" if ready else "unavailable", "checks": checks,
                                 "after_commit_failures": after_commit.failures()},
                                status=200 if ready else 503)
        if not ready:
            response["Retry-After"] = "10"
        response["Cache-Control"] = "no-store"
        return response
