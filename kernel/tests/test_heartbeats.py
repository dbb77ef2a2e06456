"""Heartbeats of workers and beat: recorded, aged, forgotten when a worker is long gone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kernel import heartbeats
from kernel.models import Heartbeat

pytestmark = pytest.mark.django_db


def test_the_freshest_worker_heartbeat_counts():
    heartbeats.record("worker:default@a", now=timezone.now() - timedelta(minutes=5))
    heartbeats.record("worker:reports@b", now=timezone.now() - timedelta(seconds=10))
    age = heartbeats.freshest("worker:")
    assert 9 <= age <= 12 and heartbeats.is_fresh(age)
    assert heartbeats.freshest("beat") is None and not heartbeats.is_fresh(None)


def test_heartbeats_of_workers_gone_for_a_week_are_forgotten():
    heartbeats.record("worker:default@old", now=timezone.now() - timedelta(days=8))
    heartbeats.record("worker:default@new")
    heartbeats.forget_older_than(days=7)
    assert list(Heartbeat.objects.values_list("name", flat=True)) == ["worker:default@new"]
