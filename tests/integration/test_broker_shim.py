"""The kombu Redis crash: timers of a closed broker connection must not stop the worker.

When Redis drops, kombu closes the old connection (its transport's `client` becomes None)
while event-loop timers registered for it can still fire. Unpatched, each raises
AttributeError("'NoneType' object has no attribute 'hostname'"), which Celery's consumer
treats as unrecoverable. switching_sm/celery.py makes it a connection error, which those
timers skip and the consumer recovers from.
"""

import os

import pytest
import redis
from kombu import Connection

import switching_sm.celery  # noqa: F401 (applies the shim)

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")

pytestmark = pytest.mark.integration


def test_timers_of_a_closed_broker_connection_skip_instead_of_crashing():
    connection = Connection(REDIS_URL)
    channel = connection.channel()
    try:
        channel.basic_consume("ssm-shim-test", True, lambda *args: None, "ssm-shim-test")
        cycle = channel.connection.cycle
        channel.connection.client = None  # what closing the kombu Connection does to it

        with pytest.raises(redis.exceptions.ConnectionError):
            channel._connparams()
        # The periodic timers the worker's event loop runs: they swallow connection errors.
        cycle.maybe_restore_messages()
        cycle.maybe_refresh_binding_expiry()
        cycle.maybe_reauth()
    finally:
        channel.connection.client = connection
        connection.release()
