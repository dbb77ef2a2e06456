"""The status page cache: one generation counter, bumped on any change that shows on it.

Readers build keys from the current generation, so one write invalidates the
page, the JSON and the feed together, on every worker sharing the cache
(Redis in production). A short timeout bounds staleness should a bump be
missed (e.g. a change made by raw SQL).
"""

import time

from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "servicestatus:generation"
TIMEOUT = 60  # seconds; invalidation is explicit, this is only a safety net


def generation():
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = time.time_ns()
        cache.add(GENERATION_KEY, value, None)
        value = cache.get(GENERATION_KEY, value)
    return value


def key(name):
    return f"servicestatus:{generation()}:{name}"


def get_or_build(name, build):
    """Return the cached value for `name`, building (and caching) it on a miss."""
    cache_key = key(name)
    value = cache.get(cache_key)
    if value is None:
        value = build()
        cache.set(cache_key, value, TIMEOUT)
    return value


def invalidate():
    cache.set(GENERATION_KEY, time.time_ns(), None)


def invalidate_on_commit():
    """Invalidate after the current transaction commits (readers never cache a rolled-back view)."""
    transaction.on_commit(invalidate)
