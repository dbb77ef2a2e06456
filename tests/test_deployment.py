"""The production topology (docker-compose.yml) and the Celery queues it relies on.

There is no container engine in CI, so the compose file is read as data and checked for
what `docker compose up --scale web=3 --scale worker=3` needs.
"""

import socket
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from kernel import heartbeats
from switching_sm.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
LONG_RUNNING = ["web", "proxy", "worker", "notifier", "reporter", "beat", "postgres", "redis"]
SCALABLE = ["web", "worker", "notifier", "reporter"]
WORKERS = ["worker", "notifier", "reporter"]


def queues_of(service):
    command = SERVICES[service]["command"]
    return set(command[command.index("-Q") + 1].split(","))


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_restarts_and_has_a_healthcheck(name):
    assert SERVICES[name]["restart"] == "unless-stopped"
    assert SERVICES[name]["healthcheck"]["test"][0] == "CMD"


@pytest.mark.parametrize("name", SCALABLE)
def test_scalable_services_claim_no_fixed_name_or_host_port(name):
    assert "container_name" not in SERVICES[name]
    assert "ports" not in SERVICES[name]  # the proxy owns the host port


def test_web_replicas_share_the_redis_cache_and_broker_and_never_migrate():
    env = SERVICES["web"]["environment"]
    assert env["REDIS_URL"].startswith("redis://redis:")
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:")
    assert "migrate" not in " ".join(SERVICES["web"]["command"])
    assert SERVICES["web"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"}
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "resolver 127.0.0.11" in nginx and "http://web:8000" in nginx
    assert SERVICES["proxy"]["ports"] == ["8000:8080"]


def test_each_queue_has_exactly_one_worker_group_and_reports_are_apart_from_sla():
    consumed = [queue for name in WORKERS for queue in queues_of(name)]
    assert sorted(consumed) == sorted(settings.SSM_QUEUES)
    assert queues_of("reporter") == {"reports"}
    assert "sla" in queues_of("worker") and "notifications" not in queues_of("worker")


@pytest.mark.parametrize("name", WORKERS)
def test_worker_groups_run_without_chatter_and_are_checked_by_heartbeat(name):
    command = SERVICES[name]["command"]
    for flag in ("--without-gossip", "--without-mingle", "--without-heartbeat"):
        assert flag in command
    assert SERVICES[name]["healthcheck"]["test"][-2:] == ["heartbeat_ok", "worker"]


def test_every_task_is_routed_to_a_known_queue_and_has_time_limits():
    celery_app.loader.import_default_modules()  # what a worker does at start
    tasks = {name: task for name, task in celery_app.tasks.items()
             if not name.startswith("celery.")}
    assert "incidents.tasks.sla_sweep" in tasks
    router = celery_app.amqp.router
    expected = {"incidents.tasks.sla_sweep": "sla", "servicerequests.tasks.sla_sweep": "sla",
                "servicestatus.tasks.recompute_all": "status",
                "notifications.tasks.deliver_email": "notifications",
                "servicestatus.tasks.deliver_webhook": "notifications",
                "reporting.tasks.generate_service_report": "reports",
                "reporting.tasks.sweep_reports": "default"}
    for name, task in tasks.items():
        queue = router.route({}, name)["queue"].name
        assert queue in settings.SSM_QUEUES, name
        if name in expected:
            assert queue == expected[name], name
        soft = task.soft_time_limit or celery_app.conf.task_soft_time_limit
        hard = task.time_limit or celery_app.conf.task_time_limit
        assert soft and hard and soft < hard, name
    # The broker re-delivers an unacknowledged task after the visibility timeout: it must
    # exceed the longest hard limit or a running report would be handed to a second worker.
    longest = max(t.time_limit or celery_app.conf.task_time_limit for t in tasks.values())
    assert 3600 > longest


@pytest.mark.django_db
def test_the_heartbeat_healthcheck_fails_without_and_passes_with_a_recent_heartbeat():
    with pytest.raises(CommandError, match="no heartbeat"):
        call_command("heartbeat_ok", "worker")
    heartbeats.record(f"worker:reports@{socket.gethostname()}")
    call_command("heartbeat_ok", "worker")
    with pytest.raises(CommandError):
        call_command("heartbeat_ok", "beat")


def test_web_runs_gunicorn_with_sync_workers_behind_a_buffering_proxy(monkeypatch):
    import runpy

    assert SERVICES["web"]["command"][:3] == ["gunicorn", "-c", "gunicorn.conf.py"]
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (config["worker_class"], config["threads"]) == ("sync", 1)
    assert config["workers"] >= 4  # 100 pollers at 2 req/s each, a few ms a request
    # A sync worker serves one client at a time: nginx must buffer bodies both ways so a
    # slow client never holds one (nginx's defaults; nothing may turn them off).
    assert "buffering off" not in (ROOT / "deploy" / "nginx.conf").read_text()
    assert "nginx" in SERVICES["proxy"]["image"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert '"-c", "gunicorn.conf.py"' in dockerfile


def test_requests_are_logged_once_by_the_proxy_unless_gunicorn_is_asked_to(monkeypatch):
    import runpy

    monkeypatch.delenv("GUNICORN_ACCESS_LOG", raising=False)
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["accesslog"] is None
    # nginx keeps its default access log (stdout in the image): nothing turns it off but
    # for its own health probe.
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert nginx.count("access_log off") == 1 and "location = /proxy-healthz" in nginx
    monkeypatch.setenv("GUNICORN_ACCESS_LOG", "-")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["accesslog"] == "-"


def test_a_starting_worker_loads_the_url_patterns_before_its_first_task():
    """The first task that builds a link (a report, an email) does not pay the import."""
    import subprocess
    import sys

    script = ("import sys, django; django.setup(); from switching_sm.celery import app; "
              "from celery.signals import worker_init; "
              "before = 'switching_sm.urls' in sys.modules; worker_init.send(sender=None); "
              "print(before, 'switching_sm.urls' in sys.modules, 'portal.views' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.stdout.split() == ["False", "True", "True"], result.stderr
