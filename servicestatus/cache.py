"""The status page cache: one generation counter, bumped on any change that shows on it.

Readers build keys from the current generation, so one write invalidates the
page, the JSON and the feed together, on every worker sharing the cache
(Redis in production). A short timeout bounds staleness should a bump be
missed (e.g. a change made by raw SQL).
"""

import time

from django.core.cache import cache

from kernel.after_commit import run_after_commit

GENERATION_KEY = "servicestatus:generation"
TIMEOUT = 60  # seconds; invalidation is explicit, this is only a safety net
# What was built last is kept far longer than TIMEOUT: when a value times out, or after a
# bump, one reader rebuilds while the others serve the last one. Were it to expire with
# the value, every reader would wait for the rebuild (a p95 spike once a minute).
KEEP_SECONDS = 24 * 3600
BUILD_LOCK_SECONDS = 10  # longer than any build; a crashed builder's lock expires
WAIT_STEP_SECONDS, WAIT_STEPS = 0.02, 100  # a cold reader waits up to 2 s, then builds itself


def generation():
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = time.time_ns()
        cache.add(GENERATION_KEY, value, None)
        value = cache.get(GENERATION_KEY, value)
    return value


def get_or_build(name, build):
    """Return the cached value for `name`, building (and caching) it on a miss.

    After an invalidation only one reader rebuilds (it holds a short lock);
    readers arriving meanwhile get the previous version rather than all
    rebuilding at once, so a change never stalls a crowd of readers.
    """
    generation_now = generation()
    cache_key = f"servicestatus:{generation_now}:{name}"
    value = cache.get(cache_key)
    if value is not None:
        return value
    last_key = f"servicestatus:last:{name}"
    lock_key = f"servicestatus:building:{generation_now}:{name}"
    if not cache.add(lock_key, 1, BUILD_LOCK_SECONDS):
        previous = cache.get(last_key)
        if previous is not None:
            return previous
        # Nothing to serve yet (a cold cache): wait briefly for the builder.
        for _ in range(WAIT_STEPS):
            time.sleep(WAIT_STEP_SECONDS)
            value = cache.get(cache_key)
            if value is not None:
                return value
    value = build()
    cache.set(cache_key, value, TIMEOUT)
    cache.set(last_key, value, KEEP_SECONDS)
    cache.delete(lock_key)
    return value


def rendered(name, build):
    """Return (generation, body) of the rendered page `name`, building it on a miss.

    For the public status page, JSON and feed: one entry per audience and format holds
    the generation it was rendered at with the rendered bytes and the time it is fresh
    until (TIMEOUT after it was rendered), read together with the current generation in
    one round trip (get_many), so a hit costs one call to the cache and nothing else: no
    unpickling of data, no template. After an invalidation, or once the entry is no longer
    fresh, one reader re-renders (it holds a short lock) while the others serve the entry
    they read for the moment that takes.
    """
    key = f"servicestatus:page:{name}"
    found = cache.get_many([GENERATION_KEY, key])
    current, entry = found.get(GENERATION_KEY), found.get(key)
    if current is None:
        current = generation()
    if entry is not None and entry[0] == current and entry[2] > time.time():
        return entry[:2]
    lock_key = f"servicestatus:building:{current}:rendered:{name}"
    if not cache.add(lock_key, 1, BUILD_LOCK_SECONDS):
        if entry is not None:
            return entry[:2]
        for _ in range(WAIT_STEPS):  # a cold cache: wait briefly for the builder
            time.sleep(WAIT_STEP_SECONDS)
            entry = cache.get(key)
            if entry is not None and entry[0] == current:
                return entry[:2]
    body = build()
    cache.set(key, (current, body, time.time() + TIMEOUT), KEEP_SECONDS)
    cache.delete(lock_key)
    return current, body


def invalidate():
    cache.set(GENERATION_KEY, time.time_ns(), None)


def invalidate_on_commit():
    """Invalidate after the current transaction commits (readers never cache a rolled-back view)."""
    run_after_commit(invalidate, name="status cache refresh",
                     sweep=f"the cache timeout ({TIMEOUT} s)")
