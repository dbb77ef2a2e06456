"""The rate limit on Redis (accounts/rate_limits.py WINDOW_SCRIPT): the same window rule
as the Python one, checked against the same independent reference, in one round trip per
request; while Redis is down nobody is refused, and counting resumes once it is back."""

import uuid

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from accounts.rate_limits import WINDOW_KEY
from kernel.cache import ResilientRedisCache
from tests.test_rate_limits import WINDOWS, check_the_window_rule, probe

from .stack import Redis

pytestmark = [pytest.mark.integration]


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    server = Redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


def _cache(redis):
    return ResilientRedisCache(f"{redis.url}/0", {
        "KEY_PREFIX": uuid.uuid4().hex, "OPTIONS": {"socket_connect_timeout": 1,
                                                    "socket_timeout": 2}})


def _stored(cache):
    return cache._cache.get_client(write=True).hgetall(cache.make_key(WINDOW_KEY.format("probe")))


def _slices(cache):
    """The slices kept (slice number -> b"newest:count"), without the running figures."""
    return {field: value for field, value in _stored(cache).items() if field.isdigit()}


def _figures_agree(cache):
    stored = _stored(cache)
    slices = _slices(cache)
    if not stored:
        return True
    counts = sum(int(value.split(b":")[1]) for value in slices.values())
    return (int(stored[b"total"]) == counts
            and all(int(field) >= int(stored[b"from"]) for field in slices))


@hypothesis_settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(**WINDOWS)
def test_the_window_on_redis_keeps_the_same_rule(redis, limit, gaps):
    cache = _cache(redis)
    check_the_window_rule(limit, gaps, cache=cache, stored=lambda: _slices(cache))
    assert _figures_agree(cache)


def test_a_request_costs_one_round_trip_and_thousands_a_minute_keep_60_slices(redis):
    assert probe("1/minute", _cache(redis)).allow_request(None, None)  # Redis has the script
    cache = _cache(redis)
    client = cache._cache.get_client(write=True)
    client.config_resetstat()
    for i in range(6000):
        throttle = probe("1000000/minute", cache)
        throttle.timer = lambda i=i: 2_000_000.0 + i * 0.01
        assert throttle.allow_request(None, None)
    calls = {name: stats["calls"] for name, stats in client.info("commandstats").items()}
    slices = _slices(cache)
    assert len(slices) == 60
    assert sum(int(value.split(b":")[1]) for value in slices.values()) == 6000
    assert calls.get("cmdstat_evalsha", 0) + calls.get("cmdstat_eval", 0) == 6000
    assert "cmdstat_get" not in calls and "cmdstat_set" not in calls
    # Each request read the two running figures and the slices that could have changed,
    # never the whole hash of 60 slices.
    assert "cmdstat_hgetall" not in calls
    assert _figures_agree(cache)


def test_a_hash_of_the_layout_before_is_left_to_the_processes_that_use_it(redis):
    """During a rolling deploy a process still running the script before this one counts
    in its own hash (window:<key>): this script neither reads nor breaks it."""
    cache = _cache(redis)
    client = cache._cache.get_client(write=True)
    before = cache.make_key("window:probe")
    client.hset(before, mapping={"3999990": "3999990.25:3"})
    results = []
    for _ in range(3):
        throttle = probe("2/minute", cache)
        throttle.timer = lambda: 4_000_002.0
        results.append(throttle.allow_request(None, None))
    assert results == [True, True, False]
    assert throttle.wait() == 60
    assert client.hgetall(before) == {b"3999990": b"3999990.25:3"}
    assert _figures_agree(cache)


def test_while_redis_is_down_nobody_is_refused_and_counting_resumes_after(redis):
    cache = _cache(redis)
    now = [3_000_000.0]

    def ask():
        throttle = probe("2/minute", cache)
        throttle.timer = lambda: now[0]
        return throttle.allow_request(None, None)

    assert [ask(), ask(), ask()] == [True, True, False]
    redis.stop()
    try:
        assert all(ask() for _ in range(5))  # fail-soft: counted nowhere, refused never
    finally:
        redis.start()
    cache._cache.breaker.down_until = 0.0  # the breaker's few seconds, skipped
    now[0] += 61
    assert [ask(), ask(), ask()] == [True, True, False]
