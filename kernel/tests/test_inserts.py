"""Inserts built once (kernel.inserts): a row stored through them reads back exactly as one
the ORM's save() stores, and a model with save receivers still goes through save()."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models.signals import post_save

from kernel import inserts
from servicestatus.factories import ServiceFactory
from servicestatus.models import Event

pytestmark = pytest.mark.django_db

STORED = ["organisation_id", "service_id", "source", "severity", "message", "occurred_at",
          "last_seen", "count", "incident_id", "incident_reference", "degrades_until",
          "cleared_at", "reviewed_at", "reviewed_by_id"]


def _event(service, key):
    seen = datetime(2026, 11, 30, 23, 59, 59, 123456, tzinfo=UTC)
    return Event(organisation_id=service.provider_id, service=service, source="nagios-eu1",
                 severity=Event.Severity.WARNING, dedup_key=key, message="Ünïcode ✓ 'quoted'",
                 occurred_at=seen, last_seen=seen, incident_reference="INC0000042",
                 degrades_until=seen + timedelta(minutes=30))


def test_an_inserted_row_reads_back_as_a_saved_one():
    service = ServiceFactory()
    saved, inserted = _event(service, "saved"), _event(service, "inserted")
    saved.save(force_insert=True)
    assert inserts.insert(inserted) is inserted
    assert isinstance(inserted.pk, int) and inserted.pk != saved.pk
    assert not inserted._state.adding and inserted._state.db == "default"
    by_orm, by_insert = Event.objects.get(pk=saved.pk), Event.objects.get(pk=inserted.pk)
    for name in STORED:
        assert getattr(by_insert, name) == getattr(by_orm, name), name
    assert (by_orm.dedup_key, by_insert.dedup_key) == ("saved", "inserted")
    # auto_now_add was filled in on the instance and in the row, as save() does.
    assert inserted.received_at is not None and by_insert.received_at == inserted.received_at
    # The instance is usable at once, as a saved one is: updating it writes the same row.
    inserted.count = 3
    inserted.save(update_fields=["count"])
    assert Event.objects.get(pk=inserted.pk).count == 3


def test_a_model_with_a_save_receiver_is_saved_by_the_orm():
    service, heard = ServiceFactory(), []

    def receiver(sender, instance, created, **kwargs):
        heard.append((instance.dedup_key, created))

    post_save.connect(receiver, sender=Event, dispatch_uid="test-inserts")
    try:
        inserts.insert(_event(service, "listened"))
    finally:
        post_save.disconnect(dispatch_uid="test-inserts", sender=Event)
    assert heard == [("listened", True)]
    assert Event.objects.filter(dedup_key="listened").exists()


def test_rows_go_in_batches_of_500():
    service = ServiceFactory()
    seen = datetime(2026, 12, 1, tzinfo=UTC)
    names = ("organisation", "service", "source", "severity", "dedup_key", "message",
             "occurred_at", "last_seen", "count", "received_at", "incident_reference")
    rows = [(service.provider_id, service.pk, "bulk", "info", f"bulk-{i}", f"m{i}", seen, seen,
             i + 1, seen, "") for i in range(1001)]
    inserts.insert_rows(Event, names, rows)
    stored = Event.objects.filter(source="bulk")
    assert stored.count() == 1001
    assert stored.get(dedup_key="bulk-1000").count == 1001
    inserts.insert_rows(Event, names, [])  # nothing to write is not an error
    assert stored.count() == 1001
