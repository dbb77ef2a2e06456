"""Helpers for the changes tests: notifications in a given state, on given services."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from changes import services as change_services
from changes.factories import ChangeImpactFactory, ChangeNotificationFactory
from changes.models import ChangeNotification

UK = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")

# The steps from draft to each state (taken by `operations_user`).
PATH = {
    "draft": [],
    "submitted": ["submit"],
    "under_assessment": ["submit", "assess"],
    "approved": ["submit", "assess", "approve"],
    "in_progress": ["submit", "assess", "approve", "start"],
    "implemented": ["submit", "assess", "approve", "start", "complete"],
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test users' passwords cheaply (the default PBKDF2 dominates setup time)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def uk_time(*args):
    """Return an aware datetime from UK wall-clock parts."""
    return datetime(*args, tzinfo=UK)


@pytest.fixture
def make_change(operations_user, provider_org):
    """make_change(services=[svc or (svc, impact)], start=, end=, status=, **fields)."""

    def make(services=(), *, start=None, end=None, status="draft", provider=None, **fields):
        provider = provider or provider_org
        extra = {"planned_start": start, "planned_end": end}
        change = ChangeNotificationFactory(
            provider=provider, **{k: v for k, v in extra.items() if v is not None}, **fields)
        for item in services:
            service, impact = item if isinstance(item, tuple) else (item, "outage")
            ChangeImpactFactory(change_notification=change, service=service, impact=impact)
        for action in PATH[status]:
            change_services.perform_action(change_notification=change, action=action,
                                           by=operations_user, reason="test")
        change.refresh_from_db()
        return change

    return make


@pytest.fixture
def as_user(client):
    """as_user(user) -> the test client, signed in as `user`."""

    def login(user):
        client.force_login(user)
        return client

    return login


def warnings_of(change):
    change = ChangeNotification.objects.get(pk=change.pk)
    return {(w.kind, w.other_change_id) for w in change.warnings.all()}
