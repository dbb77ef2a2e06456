"""The Redis cache keeps one redis-py client per connection pool (Django makes one per
call) and still rides out a Redis restart: fail-soft while it is down, working again once
it is back, with the same kept client."""

import threading

import pytest

from kernel.cache import ResilientRedisCache

from .stack import Redis

pytestmark = [pytest.mark.integration]


@pytest.fixture
def redis(tmp_path):
    server = Redis(tmp_path)
    yield server
    server.stop()


def test_one_client_serves_every_call_and_every_thread_and_survives_a_restart(redis):
    cache = ResilientRedisCache(f"{redis.url}/0", {"OPTIONS": {"socket_connect_timeout": 1,
                                                               "socket_timeout": 2}})
    client = cache._cache.get_client(write=True)
    seen, errors = [], []

    def work(n):
        try:
            for i in range(50):
                cache.set(f"k{n}-{i}", i)
                assert cache.get(f"k{n}-{i}") == i
            seen.append(cache._cache.get_client())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(other is client for other in seen)  # one client, shared by the threads

    redis.kill()
    assert cache.get("k0-1", "missing") == "missing"  # a miss, not an error
    with pytest.raises(Exception):  # noqa: B017 - /readyz reports the outage
        cache.ping()
    redis.start()
    cache._cache.breaker.down_until = 0.0  # skip the breaker's few seconds
    cache.set("after", "restart")
    assert cache.get("after") == "restart"
    assert cache._cache.get_client() is client
