"""Report jobs cannot hang: heartbeat, a sweep that fails silent ones and re-sends lost ones,
and "Try again"."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from reporting import generation
from reporting.models import ServiceReport

pytestmark = pytest.mark.django_db


def running(*, heartbeat_age, progress=5):
    now = timezone.now()
    return ServiceReport.objects.create(
        period="2026-10", edition=ServiceReport.Edition.INTERNAL,
        trigger=ServiceReport.Trigger.ON_DEMAND, status=ServiceReport.Status.RUNNING,
        progress=progress, started_at=now - heartbeat_age, heartbeat_at=now - heartbeat_age)


def test_a_report_whose_worker_died_is_failed_with_the_reason(settings):
    settings.REPORT_STALE_SECONDS = 120
    dead = running(heartbeat_age=timedelta(minutes=3))
    alive = running(heartbeat_age=timedelta(seconds=30))
    assert generation.sweep() == (1, 0)
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == ServiceReport.Status.FAILED and dead.finished_at is not None
    assert "stopped responding" in dead.error and "at 5% done" in dead.error
    assert "Try again" in dead.error
    assert alive.status == ServiceReport.Status.RUNNING
    assert generation.sweep() == (0, 0)  # idempotent


def test_progress_is_a_heartbeat():
    report = running(heartbeat_age=timedelta(minutes=10))
    report.set_progress(40)
    assert generation.sweep() == (0, 0)
    report.refresh_from_db()
    assert report.status == ServiceReport.Status.RUNNING


def test_a_report_queued_while_the_broker_was_down_is_sent_again(operations_user, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    from reporting import tasks

    sent = []
    monkeypatch.setattr(tasks.generate_service_report, "delay", lambda pk: sent.append(pk))
    with django_capture_on_commit_callbacks(execute=False):  # the task was lost
        report = generation.request_report(by=operations_user, period=_october())
    assert generation.sweep() == (0, 0)  # not yet: it may be waiting behind another report
    later = timezone.now() + timedelta(minutes=3)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert generation.sweep() == (0, 1)
    assert sent == [report.pk]
    with time_machine.travel(later + timedelta(seconds=30), tick=False):
        assert generation.sweep() == (0, 0)  # sent 30 s ago: not again yet


def test_two_tasks_for_one_report_produce_it_once(operations_user, monkeypatch,
                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        report = generation.request_report(by=operations_user, period=_october())
    produced = []
    monkeypatch.setattr(generation, "_produce", lambda r, now: produced.append(r.pk))
    generation.generate(report.pk)
    generation.generate(report.pk)  # the re-sent task arrives after the first started
    assert produced == [report.pk]
    report.refresh_from_db()
    assert report.attempts == 1 and report.status == ServiceReport.Status.RUNNING


def test_operations_try_a_failed_report_again(client, operations_user, monkeypatch,
                                              django_capture_on_commit_callbacks):
    dead = running(heartbeat_age=timedelta(hours=1))
    generation.sweep()
    client.force_login(operations_user)
    page = client.get(f"/reports/{dead.pk}/").content.decode()
    assert "stopped responding" in page and "Try again" in page
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/reports/{dead.pk}/retry/")
    assert response.status_code == 302 and len(callbacks) == 1
    dead.refresh_from_db()
    assert dead.status == ServiceReport.Status.QUEUED and dead.error == "" and dead.progress == 0


def test_only_a_failed_report_can_be_tried_again_and_only_by_operations(
        client, operations_user, auditor_user):
    report = running(heartbeat_age=timedelta(seconds=1))
    client.force_login(auditor_user)
    assert client.post(f"/reports/{report.pk}/retry/").status_code == 403
    assert client.get(f"/reports/{report.pk}/retry/").status_code == 405
    client.force_login(operations_user)
    client.post(f"/reports/{report.pk}/retry/")
    report.refresh_from_db()
    assert report.status == ServiceReport.Status.RUNNING


def _october():
    from kernel.periods import Period

    return Period.month(2026, 10)
