"""The PostgreSQL backend's health check (kernel/postgresql): a kept connection the server
dropped is still noticed and replaced before a request uses it; a healthy one is kept."""

import select
import time

import psycopg2
import pytest
from django.db import connection

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="the PostgreSQL backend; run with DATABASE_URL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def next_request():
    """What Django does when a request (or, through switching_sm/celery.py, a task) starts."""
    connection.close_if_unusable_or_obsolete()


def wait_until_readable(timeout=5):
    deadline = time.monotonic() + timeout
    while not select.select([connection.connection.fileno()], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, "the server never closed the connection"


def terminate(pid):
    params = connection.get_connection_params()
    other = psycopg2.connect(**params)
    try:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def test_the_backend_is_switching_sms_and_health_checks_are_on():
    assert connection.settings_dict["ENGINE"] == "kernel.postgresql"
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_connection_the_server_terminated_is_replaced_before_the_next_request_uses_it():
    first = backend_pid()
    terminate(first)
    wait_until_readable()
    next_request()
    # The request's first query succeeds, on a new session.
    assert backend_pid() != first


def test_a_healthy_kept_connection_is_kept_across_requests():
    first = backend_pid()
    for _ in range(3):
        next_request()
        assert backend_pid() == first


def test_a_connection_with_a_notice_waiting_is_asked_and_kept_when_it_answers():
    first = backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("LISTEN ssm_health_probe")
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("NOTIFY ssm_health_probe")
    finally:
        other.close()
    wait_until_readable()
    next_request()
    assert backend_pid() == first
