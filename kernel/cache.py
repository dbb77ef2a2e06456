"""A Redis cache that degrades to "always a miss" while Redis is unreachable.

Everything this project caches can be rebuilt from the database (the status page, the
major-incident banner, rendered knowledge, dashboard figures), so a cache outage must
cost speed, never a 500. While Redis is down, reads return the default, writes and
deletes do nothing, `add` says yes (the caller builds the value itself) and `incr`
counts from `delta` (a limiter built on it lets requests through rather than refusing
everyone). Each failure is logged and counted; after one, the cache skips Redis for
`RETRY_SECONDS` so a dead server costs one refused connection per few seconds, not one
per call. `/readyz` uses `ping()`, which does raise, to report the outage. `run_script`
runs a Lua script (a read and a write that must be one step, in one round trip) and
answers None while Redis is down.

Settings: `BACKEND: "kernel.cache.ResilientRedisCache"`; OPTIONS as for Django's
RedisCache (socket timeouts are set there).
"""

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0


class _Breaker:
    """Remember when Redis last failed, so calls in the next few seconds skip it."""

    def __init__(self):
        self.down_until = 0.0
        self.failures = 0
        self._lock = threading.Lock()

    def is_open(self):
        return time.monotonic() < self.down_until

    def trip(self, exc):
        with self._lock:
            self.failures += 1
            first = not self.is_open()
            self.down_until = time.monotonic() + RETRY_SECONDS
        if first:
            logger.warning("Cache unreachable (%s: %s); serving without it for %.0f s",
                           type(exc).__name__, exc, RETRY_SECONDS)


def _fail_soft(method, fallback):
    def wrapper(self, *args, **kwargs):
        if self.breaker.is_open():
            return fallback(*args)
        try:
            return method(self, *args, **kwargs)
        except self._lib.exceptions.RedisError as exc:  # ConnectionError, TimeoutError, ...
            self.breaker.trip(exc)
            return fallback(*args)

    wrapper.__name__ = method.__name__
    return wrapper


class ResilientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.breaker = _Breaker()
        self._clients = {}
        self._scripts = {}

    def _run_script(self, source, keys, args):
        client = self.get_client(keys[0], write=True)
        script = self._scripts.get(source)
        if script is None:  # EVALSHA from then on; redis-py loads the script if Redis lost it
            script = self._scripts[source] = client.register_script(source)
        return script(keys=keys, args=args, client=client)

    run_script = _fail_soft(_run_script, lambda source, keys, args: None)

    def get_client(self, key=None, *, write=False):
        """Return the redis-py client of the pool, made once: Django builds a new client
        object for every cache call (about 0.15 ms, several times a request). A client is
        a thin handle on its connection pool, safe to share between threads."""
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    add = _fail_soft(RedisCacheClient.add, lambda key, value, timeout: True)
    get = _fail_soft(RedisCacheClient.get, lambda key, default: default)
    set = _fail_soft(RedisCacheClient.set, lambda key, value, timeout: None)
    touch = _fail_soft(RedisCacheClient.touch, lambda key, timeout: False)
    delete = _fail_soft(RedisCacheClient.delete, lambda key: False)
    get_many = _fail_soft(RedisCacheClient.get_many, lambda keys: {})
    has_key = _fail_soft(RedisCacheClient.has_key, lambda key: False)
    incr = _fail_soft(RedisCacheClient.incr, lambda key, delta: delta)
    set_many = _fail_soft(RedisCacheClient.set_many, lambda data, timeout: None)
    delete_many = _fail_soft(RedisCacheClient.delete_many, lambda keys: None)
    clear = _fail_soft(RedisCacheClient.clear, lambda: False)

    def ping(self):
        """Round-trip to Redis now; raise if it is unreachable (for /readyz)."""
        self.get_client(write=True).ping()
        self.breaker.down_until = 0.0


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient

    def ping(self):
        self._cache.ping()

    def run_script(self, source, keys, args):
        """Run the Lua script `source` on Redis: atomic, one round trip. `keys` are cache
        keys (prefixed and versioned like every other); return its answer, or None while
        Redis is unreachable."""
        return self._cache.run_script(source, [self.make_key(key) for key in keys], args)

    def validate_key(self, key):
        """Accept any key: Django's check warns of keys memcached would refuse (spaces,
        over 250 characters), which Redis stores as they are. It walks every character of
        every key, on every call."""

    @property
    def failures(self):
        """How many cache calls this process answered without Redis since it started."""
        return self._cache.breaker.failures
