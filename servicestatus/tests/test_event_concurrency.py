"""Two repeats of one event arriving together fold into one event on PostgreSQL, where the
repeat lock and the fold lookup go to the server in one message (servicestatus/events.py)."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from servicestatus.events import ingest_event
from servicestatus.models import Event

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="PostgreSQL's advisory lock; SQLite has one writer"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def post(user, service, key, at):
    return ingest_event(by=user, service=service, source="nagios-eu1", severity="warning",
                        dedup_key=key, message="API latency above 5 s", occurred_at=at)


def waiting_on_an_advisory_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                       "AND NOT granted")
        return cursor.fetchone()[0]


def race(user, service, first_key, second_key):
    """Post `first_key` and hold its transaction open until a post of `second_key` waits
    on a lock or has finished; then commit. Return (first, second) as ingest_event does."""
    at = timezone.now() - timedelta(minutes=1)
    results, holding, release = {}, threading.Event(), threading.Event()

    def first():
        try:
            with transaction.atomic():
                results["first"] = post(user, service, first_key, at)
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    def second():
        holding.wait(10)
        try:
            results["second"] = post(user, service, second_key, at + timedelta(seconds=5))
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    holding.wait(10)
    deadline = time.monotonic() + 10
    while not (waiting_on_an_advisory_lock() or "second" in results):
        assert time.monotonic() < deadline, "the second post neither waited nor finished"
        time.sleep(0.02)
    release.set()
    for thread in threads:
        thread.join(10)
    return results["first"], results["second"]


def test_a_repeat_that_waited_for_the_lock_folds_into_the_event_committed_meanwhile(
        provider_user, service):
    (event, created), (repeat, repeat_created) = race(provider_user, service,
                                                      "uk-link/api/latency",
                                                      "uk-link/api/latency")
    assert created and not repeat_created
    assert repeat.pk == event.pk
    stored = Event.objects.get()
    assert stored.count == 2


def test_events_of_different_keys_are_stored_side_by_side_without_waiting(
        provider_user, service):
    (event, created), (other, other_created) = race(provider_user, service,
                                                    "uk-link/api/latency",
                                                    "uk-link/api/errors")
    assert created and other_created and other.pk != event.pk
    assert sorted(Event.objects.values_list("dedup_key", "count")) == [
        ("uk-link/api/errors", 1), ("uk-link/api/latency", 1)]
