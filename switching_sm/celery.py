"""Celery application: SLA timers, notifications, status, reports (queues by kind).

Queues and routes are in settings (CELERY_TASK_ROUTES, SSM_QUEUES). Every worker writes
a heartbeat (kernel/heartbeats.py) that /readyz and the compose healthchecks read.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switching_sm.settings")


def _closed_transport_is_a_connection_error():
    """Make kombu's Redis transport treat a closed connection as a connection error.

    When Redis drops, kombu closes the old connection (its transport's `client` becomes
    None) while event-loop timers registered for it (restore of unacknowledged messages,
    binding-expiry refresh, health checks) can still fire. They build a Redis client from
    `transport.client` and fail with AttributeError("'NoneType' object has no attribute
    'hostname'"), which is not among the connection errors those timers and Celery's
    consumer recover from, so the worker stopped with "Unrecoverable error". Raising
    redis' ConnectionError instead lets them skip the cycle and the consumer reconnect.
    Present in kombu 5.7.0 (the newest release); remove when kombu handles it.
    """
    from kombu.transport import redis as kombu_redis

    original = kombu_redis.Channel._connparams
    if getattr(original, "ssm_patched", False):
        return

    def _connparams(self, asynchronous=False):
        if self.connection is None or self.connection.client is None:
            raise kombu_redis.redis.exceptions.ConnectionError(
                "The broker connection was closed; reconnecting.")
        return original(self, asynchronous=asynchronous)

    _connparams.ssm_patched = True
    kombu_redis.Channel._connparams = _connparams


_closed_transport_is_a_connection_error()

app = Celery("switching_sm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _treat_each_task_as_a_request():
    """Before and after each task, do what Django does around each request: drop the
    connection if it is past CONN_MAX_AGE, broken or left mid-transaction, and check a
    kept one's health before its next use (CONN_HEALTH_CHECKS). See CELERY_DB_REUSE_MAX.
    Eager tasks (tests, CELERY_TASK_ALWAYS_EAGER) run inside the caller's transaction, so
    they are left alone."""
    from celery.signals import task_postrun, task_prerun

    def close_old_connections(task=None, **kwargs):
        if getattr(getattr(task, "request", None), "is_eager", False):
            return
        from django.db import close_old_connections as django_close_old_connections

        django_close_old_connections()

    task_prerun.connect(close_old_connections, weak=False, dispatch_uid="ssm_task_db_prerun")
    task_postrun.connect(close_old_connections, weak=False, dispatch_uid="ssm_task_db_postrun")


_treat_each_task_as_a_request()


def _add_worker_heartbeat():
    from kernel.heartbeats import WorkerHeartbeat

    app.steps["worker"].add(WorkerHeartbeat)


_add_worker_heartbeat()


def load_url_patterns(**kwargs):
    """Import the URL patterns (every app's views, serializers and admin) now.

    Connected to worker_init: a worker does it when it starts, before it forks its pool,
    rather than in the first task that builds a link, where it took 0.7 s of the first
    monthly report's time (bench/RESULTS.md)."""
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018 - populating it imports every URLconf


def _load_the_urlconf_when_the_worker_starts():
    from celery.signals import worker_init

    worker_init.connect(load_url_patterns, weak=False, dispatch_uid="ssm_worker_urlconf")


_load_the_urlconf_when_the_worker_starts()
