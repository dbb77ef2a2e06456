import pytest

from incidents import beat, tasks
from switching_sm.celery import app

pytestmark = pytest.mark.django_db


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for entry in beat.SCHEDULE.values():
        assert entry["task"] in app.tasks


def test_tasks_run_and_are_idempotent(tmp_path, monkeypatch):
    monkeypatch.setenv("INBOUND_MAILDIR", str(tmp_path / "mail"))
    assert tasks.sla_sweep.delay().get() == 0
    assert tasks.auto_close.delay().get() == 0
    assert tasks.read_inbound_mail.delay().get() == {}
