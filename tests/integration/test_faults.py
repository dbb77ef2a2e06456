"""Fault tests on a real stack: Redis killed mid-flow, a mail server that hangs, a worker
killed mid-send, the database link cut. Each builds its own processes (tests/integration/
stack.py), never touches the shared Redis or PostgreSQL, and is bounded by a hard timeout.

Figures are printed (run with -s to see them): they are the measurements the issue's
acceptance asks for, asserted as behaviour (counts), never as wall-clock limits.
"""

import email
import time
import uuid
from datetime import timedelta

import pytest
import requests
from django.db import connection
from django.utils import timezone

from accounts.factories import OrganisationFactory, UserFactory, issue_token
from incidents import communications
from incidents.factories import IncidentFactory
from incidents.models import Communication, Incident
from kernel.models import IdempotencyRecord
from kernel.periods import Period
from notifications import services as notices
from notifications.models import OutboundEmail
from reporting import generation
from reporting.models import ServiceReport
from services.factories import ServiceFactory
from switching_sm.celery import app as celery_app

from .stack import SMTPServer, app_env, point_producer_at, start_web, start_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.faults,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ALL_QUEUES = ["sla", "status", "notifications", "reports", "default"]


@pytest.fixture
def redis(tmp_path):
    from .stack import Redis

    server = Redis(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def processes():
    """Collect started processes; stop them all at the end, whatever happened."""
    started = []
    yield started
    for process in reversed(started):
        process.stop()


@pytest.fixture
def publish_to(redis):
    undo = point_producer_at(celery_app, f"{redis.url}/1")
    yield
    undo()


def create_incident(session, url, key, outcomes, *, attempts=60):
    """POST one incident with `key`, retrying on errors as a careful client would; return the
    final response. Every answer (or connection error) is appended to `outcomes`."""
    body = {"title": f"Registration responses delayed {key[:8]}", "severity": 2,
            "description": "No responses from UK Link since 09:40.", "services": ["uk-link"]}
    for _ in range(attempts):
        try:
            response = session.post(f"{url}/api/v1/incidents/", json=body, timeout=15,
                                    headers={"Idempotency-Key": key})
        except requests.RequestException as exc:
            outcomes.append(type(exc).__name__)
            time.sleep(0.2)
            continue
        outcomes.append(response.status_code)
        if response.status_code < 500:
            return response
        assert response.status_code == 503, response.text[:500]
        assert response.headers["Retry-After"] == "5"
        assert response.json()["error"]["code"] == "service_unavailable"
        time.sleep(0.2)
    raise AssertionError(f"{key} never succeeded: {outcomes[-5:]}")


def sweep(*task_names):
    """Do what beat does every minute: send the sweeps through the broker."""
    for name in task_names:
        try:
            celery_app.send_task(name)
        except Exception:  # the broker may still be coming back
            pass


def delivered_message_ids(mail_dir):
    ids = []
    for path in sorted(mail_dir.glob("*.log")):
        for raw in path.read_text().split("-" * 79):
            if raw.strip():
                ids.append(email.message_from_string(raw.strip())["Message-ID"])
    return ids


@pytest.mark.timeout(240)
def test_redis_killed_twice_mid_flow_loses_and_duplicates_nothing(
        tmp_path, redis, processes, publish_to, supplier_org, service, operations_user):
    env = app_env(tmp_path, redis, REPORT_HEARTBEAT_SECONDS=1, REPORT_STALE_SECONDS=6,
                  REPORT_REQUEUE_SECONDS=2)
    worker = start_worker("default", env, tmp_path, queues=ALL_QUEUES)
    processes.append(worker)
    web = start_web(env, tmp_path)
    processes.append(web)
    _, raw_key = issue_token(supplier_org)
    session = requests.Session()
    session.headers["Authorization"] = f"Token {raw_key}"

    outcomes, finals, keys, reports = [], {}, [], []
    worker_alive_after_kill = []

    def create_batch(n):
        for _ in range(n):
            key = str(uuid.uuid4())
            keys.append(key)
            finals[key] = create_incident(session, web.url, key, outcomes)
            notices.queue_email(to=["bea@brightwater.example"], subject=f"Notice {key[:8]}",
                                template="notifications/email/test_notice",
                                context={"reference": key[:8]})

    create_batch(6)
    reports.append(generation.request_report(by=operations_user, period=Period.month(2026, 10)))
    status_pages = []
    for _ in range(2):  # two kills, each with creates, notices and a report while it is down
        redis.kill()
        create_batch(6)
        # The cache is down too: pages are built from the database instead.
        status_pages.append(requests.get(f"{web.url}/status/", timeout=15).status_code)
        reports.append(generation.request_report(by=operations_user,
                                                 period=Period.month(2026, 9)))
        time.sleep(1)
        worker_alive_after_kill.append(worker.alive())
        redis.start()
        create_batch(3)

    def all_done():
        sweep("notifications.tasks.deliver_pending", "reporting.tasks.sweep_reports")
        pending = OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT).count()
        unfinished = ServiceReport.objects.filter(status__in=("queued", "running")).count()
        return pending == 0 and unfinished == 0

    # The outbox sweep's "not before" backoff (1 minute) is what a later beat waits for:
    # bring it forward instead of waiting.
    OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert wait_for(all_done, 90, step=1), worker.log()

    message_ids = delivered_message_ids(tmp_path / "var" / "sent-mail")
    rows = list(OutboundEmail.objects.values_list("message_id", flat=True))
    references = [r.json()["reference"] for r in finals.values()]
    server_errors = [o for o in outcomes if isinstance(o, int) and o >= 500]
    print(f"\n[faults] Redis kills: {redis.kills}; incident POSTs: {len(outcomes)} answers for "
          f"{len(keys)} keys: {sorted(set(map(str, outcomes)))}; 5xx: {len(server_errors)}; "
          f"incidents stored: {Incident.objects.count()}; notices: {len(rows)} rows, "
          f"{len(message_ids)} delivered, {len(message_ids) - len(set(message_ids))} duplicate "
          f"Message-IDs; status page while Redis was down: {status_pages}; worker alive after "
          f"each kill: {worker_alive_after_kill}; reports: "
          f"{list(ServiceReport.objects.values_list('status', flat=True))}")

    assert server_errors == []  # no 500 (or 503) for work that was saved
    assert status_pages == [200, 200]
    assert all(r.status_code == 201 for r in finals.values())
    assert Incident.objects.count() == len(keys) == len(set(references))  # none lost, none twice
    assert IdempotencyRecord.objects.count() == len(keys)
    assert sorted(message_ids) == sorted(rows)  # every notice delivered exactly once
    assert worker_alive_after_kill == [True, True] and worker.alive()
    assert set(ServiceReport.objects.values_list("status", flat=True)) == {"ready"}
    assert "Unrecoverable error" not in worker.log(10 ** 7)


def _recompute_done(worker, count):
    return worker.log(10 ** 7).count("servicestatus.tasks.recompute_all[") >= 2 * count


@pytest.mark.timeout(180)
def test_a_hung_mail_server_costs_attempts_not_the_workers(tmp_path, redis, processes, publish_to):
    hung = SMTPServer(mode="hang")
    env = app_env(tmp_path, redis, EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                  EMAIL_HOST="127.0.0.1", EMAIL_PORT=hung.port, EMAIL_TIMEOUT=3)
    try:
        notifier = start_worker("notifications", env, tmp_path, queues=["notifications"],
                                concurrency=1)
        processes.append(notifier)
        worker = start_worker("default", env, tmp_path, queues=["sla", "status", "default"])
        processes.append(worker)

        started = time.monotonic()
        for _ in range(20):
            celery_app.send_task("servicestatus.tasks.recompute_all")
        assert wait_for(lambda: _recompute_done(worker, 20), 60), worker.log()
        baseline = 20 / (time.monotonic() - started)

        emails = [notices.queue_email(to=["bea@brightwater.example"], subject=f"Hung {i}",
                                      template="notifications/email/test_notice",
                                      context={"reference": str(i)}) for i in range(3)]
        assert wait_for(lambda: hung.open >= 1, 20), notifier.log()
        # While the server holds the conversation: the attempt is on record, and the row is
        # not locked (another transaction may lock it without waiting).
        first = OutboundEmail.objects.get(pk=emails[0].pk)
        assert (first.status, first.attempts) == (OutboundEmail.Status.SENDING, 1)
        if connection.vendor == "postgresql":
            from django.db import transaction

            with transaction.atomic():
                OutboundEmail.objects.select_for_update(nowait=True).get(pk=first.pk)

        started = time.monotonic()
        for _ in range(20):
            celery_app.send_task("servicestatus.tasks.recompute_all")
        assert wait_for(lambda: _recompute_done(worker, 40), 60), worker.log()
        during = 20 / (time.monotonic() - started)
        still_hung = hung.open >= 1

        def given_up():  # every email tried once, timed out, waiting for its next attempt
            return OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING,
                                                attempts=1).count() == len(emails)

        assert wait_for(given_up, 30), notifier.log()
        errors = set(OutboundEmail.objects.values_list("last_error", flat=True))
        print(f"\n[faults] hung SMTP: other work {baseline:.1f} tasks/s before, {during:.1f} "
              f"tasks/s while the mail server hung (ratio {during / baseline:.2f}); email "
              f"attempts ended with {errors}; SMTP connections held: {hung.connections}")
        assert still_hung  # the other queues' work all ran while the mail server hung
        assert all("timed out" in error for error in errors)
        assert notifier.alive() and worker.alive()
    finally:
        hung.close()

    # The mail server recovers (same address): the sweep sends each notice once, with the
    # Message-ID every attempt carried.
    good = SMTPServer(mode="ok", port=hung.port)
    try:
        OutboundEmail.objects.update(next_attempt_at=timezone.now())  # the backoff has passed

        def all_sent():
            sweep("notifications.tasks.deliver_pending")
            return not OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT).exists()

        assert wait_for(all_sent, 60, step=1), notifier.log()
        assert sorted(good.message_ids()) == sorted(e.message_id for e in emails)
    finally:
        good.close()


@pytest.mark.timeout(180)
def test_a_worker_killed_between_the_servers_accept_and_our_commit_repeats_with_the_same_id(
        tmp_path, redis, processes, publish_to):
    server = SMTPServer(mode="ok")
    env = app_env(tmp_path, redis, EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                  EMAIL_HOST="127.0.0.1", EMAIL_PORT=server.port, EMAIL_TIMEOUT=3,
                  NOTIFICATIONS_SEND_LEASE_SECONDS=3)
    try:
        notifier = start_worker("notifications", env, tmp_path, queues=["notifications"],
                                concurrency=1)
        processes.append(notifier)
        server.on_data = notifier.kill  # the server has the message; the worker dies now
        queued = notices.queue_email(to=["bea@brightwater.example"], subject="Kill me mid-send",
                                     template="notifications/email/test_notice",
                                     context={"reference": "INC-000042"})
        assert wait_for(lambda: len(server.messages) == 1 and not notifier.alive(), 30)
        server.on_data = None
        row = OutboundEmail.objects.get(pk=queued.pk)
        assert (row.status, row.attempts) == (OutboundEmail.Status.SENDING, 1)

        notifier.start()  # the orchestrator restarts it
        assert wait_for(lambda: "ready." in notifier.log(10 ** 6).split("Kill me")[-1]
                        or notifier.log(10 ** 6).count("ready.") >= 2, 60), notifier.log()

        def sent():
            sweep("notifications.tasks.deliver_pending")
            return OutboundEmail.objects.get(pk=queued.pk).status == OutboundEmail.Status.SENT

        assert wait_for(sent, 60, step=1), notifier.log()
        row.refresh_from_db()
        ids = server.message_ids()
        print(f"\n[faults] worker killed mid-send: {len(ids)} copies received, Message-IDs "
              f"{set(ids)}, attempts recorded {row.attempts}")
        assert ids == [row.message_id, row.message_id]  # one repeat, recognisably the same
        assert row.attempts == 2
    finally:
        server.close()


@pytest.mark.timeout(120)
def test_a_database_restart_answers_503_with_retry_after_and_loses_nothing(
        tmp_path, processes, supplier_org, supplier_user, service):
    if connection.vendor != "postgresql":
        pytest.skip("a database restart is a network database's fault; SQLite is a local file")
    from django.test import Client

    from .stack import DatabaseLink, database_url

    db = connection.settings_dict
    link = DatabaseLink(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    try:
        # The clients send as fast as the server answers for 5.5 s; at today's speed that is
        # past the per-token write limit (120/minute), which this test is not about.
        env = app_env(tmp_path, DATABASE_URL=database_url(port=link.port), CONN_MAX_AGE=60,
                      RATE_LIMIT_API_WRITES="100000/minute")
        web = start_web(env, tmp_path)
        processes.append(web)
        _, raw_key = issue_token(supplier_org)
        api = requests.Session()
        api.headers["Authorization"] = f"Token {raw_key}"
        portal = requests.Session()
        browser = Client()
        browser.force_login(supplier_user)
        portal.cookies.set("sessionid", browser.cookies["sessionid"].value)

        import threading

        outcomes, finals, pages, keys = [], {}, [], []
        started = time.monotonic()
        # The restart happens on its own clock while clients keep sending (and retrying).
        timers = [threading.Timer(1.5, link.cut), threading.Timer(3.0, link.restore)]
        for timer in timers:
            timer.start()
        while time.monotonic() < started + 5.5 or timers[1].is_alive():
            key = str(uuid.uuid4())
            keys.append(key)
            finals[key] = create_incident(api, web.url, key, outcomes)
            try:
                pages.append(portal.get(f"{web.url}/incidents/", timeout=10))
            except requests.RequestException as exc:
                pages.append(exc)

        api_503 = [o for o in outcomes if o == 503]
        page_statuses = [getattr(p, "status_code", type(p).__name__) for p in pages]
        print(f"\n[faults] database cut for 1.5 s: API answers {sorted(set(map(str, outcomes)))}"
              f" ({len(api_503)} x 503 of {len(outcomes)}); portal answers "
              f"{sorted(set(map(str, page_statuses)))}; incidents {Incident.objects.count()} "
              f"for {len(keys)} keys")
        assert set(outcomes) <= {201, 503}  # never a 500, never a bare page
        assert api_503 or 503 in page_statuses, "the cut failed no request: it proved nothing"
        assert all(r.status_code == 201 for r in finals.values())
        assert Incident.objects.count() == len(keys)  # retries with the key made no duplicate
        for page in pages:
            assert page.status_code in (200, 503), page.status_code
            if page.status_code == 503:
                assert page.headers["Retry-After"] == "5"
                assert "Service briefly unavailable" in page.text and "portal.css" in page.text
    finally:
        link.close()


@pytest.mark.timeout(150)
def test_a_worker_keeps_its_database_connection_across_tasks_and_replaces_it_after_a_cut(
        tmp_path, redis, processes, publish_to):
    """Each task used to open a new PostgreSQL connection (Celery's Django fixup closes it
    around every task); now the worker keeps one, as a web worker does between requests,
    and a connection the database dropped is noticed before use and replaced."""
    if connection.vendor != "postgresql":
        pytest.skip("connection reuse and a cut link are a network database's concern")
    from .stack import DatabaseLink, database_url

    db = connection.settings_dict
    link = DatabaseLink(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    try:
        env = app_env(tmp_path, redis, DATABASE_URL=database_url(port=link.port),
                      CONN_MAX_AGE=60)
        worker = start_worker("db-reuse", env, tmp_path, queues=["notifications"],
                              concurrency=1)
        processes.append(worker)

        def send(n, tag):
            for i in range(n):
                notices.queue_email(to=["bea@brightwater.example"], subject=f"{tag} {i}",
                                    template="notifications/email/test_notice",
                                    context={"reference": f"{tag}-{i}"})

        def all_sent():
            return not OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT).exists()

        send(3, "warm-up")
        assert wait_for(all_sent, 60), worker.log()
        before = link.accepted
        send(30, "burst")
        assert wait_for(all_sent, 60), worker.log()
        during_burst = link.accepted - before
        link.cut()  # as a database restart does: every open connection dropped
        time.sleep(0.5)
        link.restore()
        send(5, "after the cut")
        assert wait_for(all_sent, 60), worker.log()
        print(f"\n[faults] 30 delivery tasks opened {during_burst} database connections; "
              f"after the cut {OutboundEmail.objects.count()} emails sent, worker alive: "
              f"{worker.alive()}")
        assert during_burst <= 2  # at most the heartbeat's own; before: one per task
        assert OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT).count() == 38
        assert worker.alive() and "Unrecoverable error" not in worker.log(10 ** 7)
    finally:
        link.close()


@pytest.mark.timeout(150)
def test_a_report_whose_worker_dies_is_failed_by_the_sweep_and_can_be_tried_again(
        tmp_path, redis, processes, publish_to, operations_user, settings):
    import os
    import signal

    env = app_env(tmp_path, redis, REPORT_HEARTBEAT_SECONDS=0.5)
    settings.REPORT_STALE_SECONDS = 3  # the sweep runs in this process below
    reporter = start_worker("reports", env, tmp_path, queues=["reports"], concurrency=1)
    processes.append(reporter)
    report = generation.request_report(by=operations_user, period=Period.month(2026, 10))

    def running():
        return ServiceReport.objects.get(pk=report.pk).status == ServiceReport.Status.RUNNING

    assert wait_for(running, 30, step=0.005), reporter.log()
    os.killpg(reporter.proc.pid, signal.SIGSTOP)  # frozen mid-report: no more heartbeats
    reporter.kill()
    left_running = ServiceReport.objects.get(pk=report.pk)
    assert left_running.status == ServiceReport.Status.RUNNING

    def failed():
        generation.sweep()
        return ServiceReport.objects.get(pk=report.pk).status == ServiceReport.Status.FAILED

    assert wait_for(failed, 20, step=0.5)
    report.refresh_from_db()
    reason = report.error
    assert "stopped responding" in reason

    reporter.start()
    generation.retry_report(report=report, by=operations_user)

    def ready():
        return ServiceReport.objects.get(pk=report.pk).status == ServiceReport.Status.READY

    assert wait_for(ready, 60), reporter.log()
    report.refresh_from_db()
    print(f"\n[faults] report worker killed at {left_running.progress}%: failed by the sweep "
          f"({reason[:70]}...), ready after Try again, attempts "
          f"{report.attempts}")
    assert report.attempts == 2 and report.pdf


@pytest.mark.timeout(240)
def test_a_worker_killed_mid_fan_out_tells_every_organisation_once_after_the_sweep(
        tmp_path, redis, processes, publish_to, desk_agent, provider_org):
    """The market-wide communication of an outage is half queued when the worker dies: after
    the restart and the sweep, every organisation has exactly one email queued for it."""

    css = ServiceFactory(code="css-registration", name="CSS Registration",
                         provider=provider_org, used_by_market_roles=["energy_supplier"])
    market = OrganisationFactory.create_batch(400)
    raiser = market[0]
    outage = IncidentFactory(organisation=raiser, raised_by=UserFactory(organisation=raiser),
                             services=[css], severity=1, title="CSS Registration down")
    env = app_env(tmp_path, redis)
    worker = start_worker("default", env, tmp_path, queues=["default"], concurrency=1)
    processes.append(worker)
    queued = OutboundEmail.objects.filter(dedup_key__startswith="incident-comm-")
    # The raise announcement goes first; wait for it, then send the update that is cut off.
    assert wait_for(lambda: Communication.objects.filter(fanned_out_at__isnull=False).exists(),
                    60, step=0.2), worker.log()
    before = queued.count()
    update = communications.publish(incident=outage, by=desk_agent, kind="update",
                                    body="Failover to the standby site under way")
    assert wait_for(lambda: queued.count() >= before + 20, 60, step=0.01), worker.log()
    worker.kill()
    cut_off_at = queued.count() - before
    update.refresh_from_db()
    assert update.fanned_out_at is None  # the worker died mid-way

    worker.start()  # the orchestrator restarts it
    assert wait_for(lambda: worker.log(10 ** 6).count("ready.") >= 2, 60), worker.log()
    # The sweep picks fan-outs unfinished for a minute: age this one rather than wait.
    Communication.objects.filter(pk=update.pk).update(at=timezone.now() - timedelta(minutes=2))

    def finished():
        sweep("incidents.tasks.communications_sweep")
        return Communication.objects.get(pk=update.pk).fanned_out_at is not None

    assert wait_for(finished, 60, step=1), worker.log()
    update.refresh_from_db()
    keys = list(queued.filter(dedup_key__startswith=f"incident-comm-{update.pk}-org-")
                .values_list("dedup_key", flat=True))
    expected = {f"incident-comm-{update.pk}-org-{org.pk}" for org in [*market, provider_org]}
    print(f"\n[faults] worker killed mid fan-out after {cut_off_at} of {len(expected)} "
          f"organisations; after the sweep {len(keys)} queued, {len(keys) - len(set(keys))} "
          f"duplicates, organisations told {update.organisations_told}")
    assert cut_off_at < len(expected)
    assert sorted(keys) == sorted(expected)  # everyone once: none lost, none twice
    assert update.organisations_told == len(expected)
