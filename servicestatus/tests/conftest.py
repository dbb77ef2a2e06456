import pytest

from servicestatus import derivation
from servicestatus.derivation import DerivedCause


@pytest.fixture
def fake_causes(monkeypatch):
    """Replace the incident and change sources with a list the test fills in.

    Lets derivation be tested while the incidents and changes apps are still
    being built; test_integration.py checks the real sources.
    """
    causes = []

    def source(service_ids):
        return [c for c in causes if c.service_id in service_ids]

    monkeypatch.setattr(derivation, "SOURCES", [source, derivation.event_causes])

    def add(service, status, kind="incident", reference="INC-000001", reason="Sev1"):
        cause = DerivedCause(service.pk, status, kind, reference, reason)
        causes.append(cause)
        return cause

    add.causes = causes
    return add


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hash test users' passwords cheaply: the default hasher costs ~0.3 s per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with an empty status page cache (locmem outlives a test)."""
    from django.core.cache import cache

    cache.clear()
