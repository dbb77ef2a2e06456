"""A real Celery worker, against the real Redis, delivers an outbox email end to end."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from notifications import services
from notifications.models import OutboundEmail
from switching_sm.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")

pytestmark = [pytest.mark.integration,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def database_url():
    """Return a DATABASE_URL for the test database this process is using."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    """Start `celery worker` on a private queue; yield (queue, mail_dir); stop it."""
    queue = f"ssm-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": REDIS_URL,
           "SSM_VAR_DIR": str(tmp_path), "CELERY_TASK_ALWAYS_EAGER": "false"}
    log = open(tmp_path / "worker.log", "w")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "switching_sm", "worker",
         "-Q", queue, "--pool", "solo", "-l", "info", "--without-heartbeat", "--without-gossip",
         "--without-mingle"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        yield queue, tmp_path / "sent-mail"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


@pytest.fixture
def producer_to_redis(worker):
    """Point this process's Celery app at Redis and the worker's queue (not eager)."""
    queue, _ = worker
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.task_routes)
    # Every task to the worker's private queue, whatever its kind's queue is.
    conf.task_always_eager, conf.broker_url, conf.task_routes = False, REDIS_URL, {
        "*": {"queue": queue}}
    reset_producer()
    yield
    conf.task_always_eager, conf.broker_url, conf.task_routes = saved
    reset_producer()


def reset_producer():
    """Make this process's Celery app reconnect and re-read its routes."""
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)  # a cached_property built from the routes
    celery_app.amqp._producer_pool = None
    celery_app._pool = None


def test_worker_delivers_an_outbox_email_through_redis(worker, producer_to_redis, tmp_path):
    _, mail_dir = worker
    # The application path: the row is written, and after commit a task goes to Redis.
    email = services.queue_email(to=["bea@brightwater.example"], subject="INC-000042 resolved",
                                 template="notifications/email/test_notice",
                                 context={"reference": "INC-000042"})

    def delivered():
        email.refresh_from_db()
        return email.status == OutboundEmail.Status.SENT

    assert wait_for(delivered), (tmp_path / "worker.log").read_text()[-3000:]
    written = "".join(p.read_text() for p in mail_dir.glob("*.log"))
    assert "INC-000042 resolved" in written
    assert "bea@brightwater.example" in written
