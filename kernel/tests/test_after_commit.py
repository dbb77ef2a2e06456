"""After-commit work never fails the request that committed: the client gets its 201."""

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from kombu.exceptions import OperationalError

from incidents.models import Incident
from kernel import after_commit
from notifications.models import OutboundEmail

URL = "/api/v1/incidents/"


@pytest.fixture
def broker_and_cache_down(monkeypatch):
    """Every task enqueue and every cache call fails as they do when Redis is down."""
    from celery.app.task import Task

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    def cache_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", broker_down)
    for name in ("get", "set", "add", "delete", "set_many", "get_many"):
        monkeypatch.setattr(cache, name, cache_down)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_incident_saved_with_redis_down_answers_201_and_keeps_its_notice(
        broker_and_cache_down, api_client, supplier_user, service):
    before = after_commit.failures()
    response = api_client(supplier_user).post(URL, {
        "title": "Registration responses delayed", "description": "Nothing since 09:40",
        "services": ["uk-link"], "severity": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    assert response.json()["reference"] == incident.reference
    # The notices were written with the incident; the outbox sweep delivers them later.
    assert OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING).exists()
    after = after_commit.failures()
    assert sum(after.values()) > sum(before.values())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_comment_and_a_transition_with_redis_down_answer_as_usual(
        broker_and_cache_down, api_client, supplier_user, desk_agent, service):
    reference = api_client(supplier_user).post(URL, {
        "title": "Registration responses delayed", "description": "Nothing since 09:40",
        "services": ["uk-link"], "severity": 3}, format="json").json()["reference"]
    comment = api_client(supplier_user).post(f"{URL}{reference}/comments/",
                                             {"body": "Still failing"}, format="json")
    assert comment.status_code == 201
    moved = api_client(desk_agent).post(f"{URL}{reference}/transitions/",
                                        {"to": "in_progress", "reason": "Looking"}, format="json")
    assert moved.status_code == 200
    assert Incident.objects.get().status == "in_progress"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failing_receiver_does_not_stop_the_others(db):
    from django.dispatch import Signal

    signal, heard = Signal(), []

    def broken(**kwargs):
        raise RuntimeError("cache down")

    signal.connect(broken, weak=False)
    signal.connect(lambda **kwargs: heard.append(kwargs["n"]), weak=False)
    before = after_commit.failures().get("test-signal", 0)
    after_commit.send_after_commit(signal, sender=None, name="test-signal", sweep="a sweep", n=1)
    assert heard == [1]  # outside a transaction: sent at once
    assert after_commit.failures()["test-signal"] == before + 1


@pytest.mark.django_db
def test_a_task_queued_by_its_name_runs_and_a_name_no_task_has_fails_at_once(
        django_capture_on_commit_callbacks):
    from notifications.models import OutboundEmail as Email

    email = Email.objects.create(to=["a@b.example"], subject="s", body_text="b",
                                 message_id="<m@x>")
    with django_capture_on_commit_callbacks(execute=True):
        after_commit.enqueue_after_commit("notifications.tasks.deliver_email", email.pk,
                                          sweep="the outbox sweep")
    email.refresh_from_db()
    assert email.status == Email.Status.SENT  # the registered task ran (eagerly in tests)
    with pytest.raises(KeyError):
        after_commit.enqueue_after_commit("notifications.tasks.no_such_task", sweep="none")


def test_the_web_process_has_every_task_registered_before_its_first_request():
    """A gunicorn worker loads switching_sm.wsgi and then answers requests in threads; a
    task queued by name must be found without any discovery in those threads."""
    probe = ("import switching_sm.wsgi\n"
             "from celery import current_app\n"
             "names = ['incidents.tasks.announce_outages', 'incidents.tasks.fan_out_communication',"
             " 'servicestatus.tasks.recompute_services', 'notifications.tasks.deliver_email']\n"
             "print(sorted(n for n in names if n not in current_app.tasks))\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_tasks_queued_by_name_from_many_threads_at_once_are_all_found(monkeypatch):
    """Discovery on first need happens once, under a lock; every thread gets its task."""
    from celery import current_app

    name = "incidents.tasks.announce_outages"
    calls, in_progress = [], []

    def racy_discovery(*args, **kwargs):
        """As Celery's autodiscovery behaves: a caller arriving while another is still
        importing gets nothing back at once."""
        calls.append(1)
        if in_progress:
            return
        in_progress.append(1)
        time.sleep(0.2)
        current_app.tasks[name] = saved
        in_progress.pop()

    saved = current_app.tasks.pop(name)
    monkeypatch.setattr(current_app, "autodiscover_tasks", racy_discovery)
    found, errors = [], []

    def queue():
        try:
            found.append(after_commit._registered(name).name)
        except Exception as exc:
            errors.append(exc)

    try:
        threads = [threading.Thread(target=queue) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        current_app.tasks.setdefault(name, saved)
    assert errors == [] and found == [name] * 4
    assert len(calls) == 1
