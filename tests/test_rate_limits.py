"""Rate limits: sign-in, password reset and API token writes answer 429 with Retry-After."""

import pytest
import time_machine
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from accounts.factories import issue_token

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"


@pytest.fixture
def low_limits(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sign_in": "3/minute",
                            "password_reset": "4/hour", "password_reset_address": "2/hour",
                            "api_writes": "3/minute"}


def test_sign_in_past_the_limit_is_429_with_retry_after(client, low_limits, supplier_user):
    url = reverse("portal:login")
    with time_machine.travel("2026-11-27 10:00:00Z", tick=False):
        for _ in range(3):
            assert client.post(url, {"username": "nobody", "password": "x"}).status_code == 200
        refused = client.post(url, {"username": "bea", "password": PASSWORD})
        assert refused.status_code == 429
        assert refused["Retry-After"] == "60"
        assert "Too many attempts" in refused.content.decode()
        assert client.get(url).status_code == 200  # reading the form is not limited
    with time_machine.travel("2026-11-27 10:01:01Z", tick=False):
        assert client.post(url, {"username": "bea", "password": PASSWORD}).status_code == 302


def test_sign_in_limit_is_per_client_address(client, low_limits, supplier_user):
    url = reverse("portal:login")
    for _ in range(3):
        client.post(url, {"username": "nobody", "password": "x"}, REMOTE_ADDR="192.0.2.7")
    assert client.post(url, {"username": "x", "password": "x"},
                       REMOTE_ADDR="192.0.2.7").status_code == 429
    assert client.post(url, {"username": "bea", "password": PASSWORD},
                       REMOTE_ADDR="192.0.2.8").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(client, low_limits):
    url = reverse("portal:login")
    statuses = [client.post(url, {"username": "x", "password": "x"},
                            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_second_factor_codes_count_against_the_same_limit(client, low_limits, desk_agent):
    from accounts.tests.test_access import enrol

    enrol(desk_agent)
    client.post(reverse("portal:login"), {"username": "dana", "password": PASSWORD})
    statuses = [client.post(reverse("portal:two_factor_verify"), {"code": "000000"}).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_password_reset_emails_to_one_address_are_limited(client, low_limits, supplier_user,
                                                         mailoutbox):
    url = reverse("portal:password_reset")
    statuses = [client.post(url, {"email": supplier_user.email},
                            REMOTE_ADDR=f"192.0.2.{n}").status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    assert len(mailoutbox) == 2


def test_password_reset_requests_from_one_address_are_limited(client, low_limits, mailoutbox):
    url = reverse("portal:password_reset")
    statuses = [client.post(url, {"email": f"person{n}@example.org"}).status_code
                for n in range(5)]
    assert statuses == [302, 302, 302, 302, 429]
    assert int(client.post(url, {"email": "x@example.org"})["Retry-After"]) > 3000


def test_no_reset_link_for_a_deactivated_organisation(client, supplier_user, mailoutbox):
    supplier_user.organisation.is_active = False
    supplier_user.organisation.save()
    client.post(reverse("portal:password_reset"), {"email": supplier_user.email})
    assert mailoutbox == []


def token_client(organisation):
    _, key = issue_token(organisation)
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")


def test_api_token_writes_past_the_limit_are_429_in_the_error_shape(low_limits, provider_org,
                                                                     other_provider_org):
    xoserve, gemserv = token_client(provider_org), token_client(other_provider_org)
    body = {"topic": "incident.resolved", "email": False}
    with time_machine.travel("2026-11-27 10:00:00Z", tick=False):
        for _ in range(3):
            assert xoserve.post("/api/v1/notification-preferences/", body).status_code == 201
        refused = xoserve.post("/api/v1/notification-preferences/", body)
        assert refused.status_code == 429
        assert refused["Retry-After"] == "60"
        error = refused.json()["error"]
        assert error["status"] == 429 and error["code"] == "throttled"
        # Reads go on, and another provider's system is not crowded out.
        assert xoserve.get("/api/v1/notification-preferences/").status_code == 200
        assert gemserv.post("/api/v1/notification-preferences/", body).status_code == 201


def test_portal_session_calls_are_not_token_limited(low_limits, supplier_user):
    client = APIClient()
    client.force_login(supplier_user)
    statuses = {client.post("/api/v1/notification-preferences/", {"topic": "a"}).status_code
                for _ in range(5)}
    assert statuses == {201}


def test_the_schema_documents_429_with_retry_after_on_writes(client):
    schema = client.get("/api/schema/?format=json").json()
    write = schema["paths"]["/api/v1/incidents/"]["post"]["responses"]["429"]
    assert "Retry-After" in write["headers"]
    assert "429" not in schema["paths"]["/api/v1/incidents/"]["get"]["responses"]


def test_a_bad_rate_setting_stops_start_up_with_the_fix():
    from tests.test_settings import run_check

    result = run_check(RATE_LIMIT_API_WRITES="10 per minute")
    assert result.returncode != 0
    assert "RATE_LIMIT_API_WRITES is invalid" in result.stderr and "30/minute" in result.stderr


# --- the window rule against an independent reference (accounts/rate_limits.py) -------------
def probe(rate, cache=None):
    """A limiter at `rate` whose one client is "probe", kept in `cache` (default: the
    test settings' cache, which runs the Python rule; tests/integration runs the Lua one)."""
    from accounts.rate_limits import RateLimit

    class Probe(RateLimit):
        def get_cache_key(self, request, view):
            return "probe"

    Probe.rate = rate
    limiter = Probe()
    if cache is not None:
        limiter.cache = cache
    return limiter


def check_the_window_rule(limit, gaps, *, cache=None, stored=None):
    """Checked against a plain list of accepted times: no 60 s window ever holds more than
    the limit, and a request is refused only when the window, widened by one slice (1 s),
    holds the limit already; what is stored (`stored()`: the slices kept) stays within 61."""
    from django.core.cache import cache as default_cache

    stored = stored or (lambda: default_cache.get("probe", []))
    accepted, now = [], 1_000_000.0
    for gap in gaps:
        now += gap
        throttle = probe(f"{limit}/minute", cache)
        throttle.timer = lambda now=now: now
        allowed = throttle.allow_request(None, None)
        if allowed:
            accepted.append(now)
            assert sum(1 for t in accepted if now - 60 < t <= now) <= limit
        else:
            assert sum(1 for t in accepted if now - 61 < t <= now) >= limit
            assert 0 < throttle.wait() <= 60
        assert len(stored()) <= 61


WINDOWS = dict(limit=st.integers(min_value=1, max_value=12),
               gaps=st.lists(st.floats(min_value=0, max_value=25, allow_nan=False), min_size=1,
                             max_size=120))


@hypothesis_settings(max_examples=150, deadline=None)
@given(**WINDOWS)
def test_the_window_never_lets_more_through_than_the_limit_and_refuses_only_when_full(
        limit, gaps):
    from django.core.cache import cache

    cache.delete("probe")
    check_the_window_rule(limit, gaps)


def test_a_client_allowed_thousands_a_minute_is_kept_in_at_most_61_counts():
    from django.core.cache import cache

    cache.delete("probe")
    now = 2_000_000.0
    for i in range(6000):
        throttle = probe("1000000/minute")
        throttle.timer = lambda now=now + i * 0.01: now
        assert throttle.allow_request(None, None)
    stored = cache.get("probe")
    assert len(stored) == 60 and sum(count for _, count in stored) == 6000
