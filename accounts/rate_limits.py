"""Rate limits: sign-in, password reset, and writes by an API token. Over the limit is a 429
with `Retry-After` (seconds), so one misbehaving client cannot crowd out the others.

The limits are kept in the shared cache (Redis when REDIS_URL is set), so they hold across
every web worker. One mechanism serves both kinds of view: `RateLimit`, a sliding window
kept as counts per slice of the window (a sixtieth of it: a second for a per-minute
limit), used as DEFAULT_THROTTLE_CLASSES for the API and through `rate_limited` for the
sign-in and password-reset pages.

The rule: a request is refused when the window before it already holds the limit's
count of accepted requests. A slice leaves the window when its newest request does, so
the limit is never exceeded in any window, and a refusal's Retry-After is at most one
slice later than the exact moment. What is stored per client is at most 61 counts,
however high the rate (DRF's own throttle keeps every request's time: 6,000 of them for
a client allowed 6,000 writes a minute, read and rewritten on every request). The rates are settings
(RATE_LIMITS, from RATE_LIMIT_* environment variables; see README).

Clients are told apart by REMOTE_ADDR, or by X-Forwarded-For as far as NUM_PROXIES trusted
proxies vouch for it (REST_FRAMEWORK["NUM_PROXIES"]), so a client cannot pick its own
address to escape the limit.
"""

import math
from functools import wraps

from django.conf import settings
from django.shortcuts import render
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken

# The rule above, on Redis: the client's slices are a hash (slice number -> "newest time:
# count") beside two running figures, "total" (the counts the slices hold) and "from" (no
# slice below it is stored), checked and counted in one atomic step and one round trip. A
# request reads only what can have changed since the last: the slices from "from" up to
# the window's start, each dropped once its newest request has left the window (a slice
# wholly before the start has), so the work does not grow with the slices kept (reading
# and parsing all 60 cost Redis 0.14 ms a request). The hash's key is new with this layout
# (WINDOW_KEY): a process still running the script before it, during a rolling deploy,
# keeps its own hash rather than failing on this one's figures. The Python below is the
# same rule over a list in any other cache (the embedded default); the reference test in
# tests/test_rate_limits.py holds both to it.
WINDOW_KEY = "window:v2:{}"
WINDOW_SCRIPT = """
local now, duration, size, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
  tonumber(ARGV[4])
local key, start = KEYS[1], now - duration
local current = math.floor(now / size)
local figures = redis.call('HMGET', key, 'total', 'from')
local total, from = tonumber(figures[1]) or 0, tonumber(figures[2]) or current
local last = math.floor(start / size)
while from <= last do
  local field = string.format('%d', from)
  local value = redis.call('HGET', key, field)
  if value then
    local newest, count = string.match(value, '^([^:]+):(%d+)$')
    if from < last or tonumber(newest) <= start then
      redis.call('HDEL', key, field)
      total = total - tonumber(count)
    else
      break
    end
  end
  from = from + 1
end
if total >= limit then
  local oldest = now
  for slice = from, current do
    local value = redis.call('HGET', key, string.format('%d', slice))
    if value then oldest = tonumber(string.match(value, '^([^:]+):')) break end
  end
  redis.call('HSET', key, 'total', total, 'from', from)
  redis.call('EXPIRE', key, math.ceil(duration))
  return {0, string.format('%.17g', oldest)}
end
local slice = string.format('%d', current)
local value = redis.call('HGET', key, slice)
local count = 1
if value then count = tonumber(string.match(value, ':(%d+)$')) + 1 end
redis.call('HSET', key, slice, string.format('%.17g:%d', now, count), 'total', total + 1,
  'from', from)
redis.call('EXPIRE', key, math.ceil(duration))
return {1, string.format('%.17g', now)}
"""


class RateLimit(SimpleRateThrottle):
    """A sliding-window limit whose rate is read from settings.RATE_LIMITS[scope] (the rule
    is in the module's docstring)."""

    cache_format = "rate_%(scope)s_%(ident)s"  # not DRF's key: its value is another shape
    SLICES = 60

    def get_rate(self):
        return settings.RATE_LIMITS[self.scope]

    def allow_request(self, request, view):
        """Count the request in its slice and return True, or return False if the window
        holds the limit already."""
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        size = max(1, self.duration / self.SLICES)
        run_script = getattr(self.cache, "run_script", None)
        if run_script is not None:
            answer = run_script(WINDOW_SCRIPT, [WINDOW_KEY.format(self.key)],
                                [repr(self.now), self.duration, size, self.num_requests])
            if answer is None:  # Redis unreachable: nothing is counted, nobody refused
                self.oldest = None
                return True
            allowed, oldest = answer
            self.oldest = float(oldest)
            return bool(allowed)
        # The history is [[newest time in the slice, count], ...], newest slice first.
        history = [entry for entry in self.cache.get(self.key, [])
                   if entry[0] > self.now - self.duration]
        self.oldest = history[-1][0] if history else None
        if sum(count for _, count in history) >= self.num_requests:
            return False
        if history and history[0][0] // size == self.now // size:
            history[0] = [self.now, history[0][1] + 1]
        else:
            history.insert(0, [self.now, 1])
        self.cache.set(self.key, history, self.duration)
        return True

    def wait(self):
        """Seconds until the oldest slice leaves the window, freeing its requests."""
        if self.oldest is None:
            return self.duration
        return self.duration - (self.now - self.oldest)

    @staticmethod
    def applies_to(method):
        """Return True if requests with `method` count (the schema documents 429 for them)."""
        return True

    def key_for(self, ident):
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ApiTokenWrites(RateLimit):
    """Writes (POST, PUT, PATCH, DELETE) made with one API token. Reads and the portal's own
    session calls are not limited here."""

    scope = "api_writes"

    @staticmethod
    def applies_to(method):
        return method not in SAFE_METHODS

    def get_cache_key(self, request, view):
        if request.method in SAFE_METHODS or not isinstance(request.auth, ApiToken):
            return None
        return self.key_for(request.auth.pk)


class SignInAttempts(RateLimit):
    """Sign-in and second-factor submissions from one client address (the per-username
    lockout in accounts.security stops password guessing; this stops spraying)."""

    scope = "sign_in"

    def get_cache_key(self, request, view):
        return self.key_for(self.get_ident(request))


class PasswordResetRequests(RateLimit):
    """Password-reset requests from one client address."""

    scope = "password_reset"

    def get_cache_key(self, request, view):
        return self.key_for(self.get_ident(request))


class PasswordResetsPerAddress(RateLimit):
    """Password-reset emails to one address, from anywhere: nobody's inbox is flooded."""

    scope = "password_reset_address"

    def get_cache_key(self, request, view):
        address = str(request.POST.get("email", "")).strip().lower()[:254]
        return self.key_for(address) if address else None


def rate_limited(*limits, methods=("POST",)):
    """Decorate a (non-API) view: over any of `limits` it answers 429 with Retry-After."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                refused = [limit for limit in (cls() for cls in limits)
                           if not limit.allow_request(request, None)]
                if refused:
                    return too_many_requests(request, max(limit.wait() or 1 for limit in refused))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def too_many_requests(request, wait):
    seconds = max(1, math.ceil(wait))
    response = render(request, "429.html", {"minutes": math.ceil(seconds / 60)}, status=429)
    response["Retry-After"] = str(seconds)
    return response
