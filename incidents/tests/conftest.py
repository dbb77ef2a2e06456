from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from incidents.factories import IncidentFactory

LONDON = ZoneInfo("Europe/London")


def london(*args):
    """Return an aware datetime in UK time: london(2026, 11, 27, 10, 0)."""
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _fast_passwords_and_private_media(settings, tmp_path):
    """Users are made in every test (a fast hasher keeps the suite quick); uploads go to a
    temporary directory."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clock():
    """Frozen time you can move: clock.to(london(...))."""

    class Clock:
        traveller = None

        def to(self, moment):
            if self.traveller:
                self.traveller.stop()
            self.traveller = time_machine.travel(moment, tick=False)
            self.traveller.start()
            return moment

    c = Clock()
    yield c
    if c.traveller:
        c.traveller.stop()


@pytest.fixture
def make_incident(supplier_user, service):
    """Return a function raising an incident for the supplier (at the frozen time)."""

    def make(**kwargs):
        kwargs.setdefault("organisation", supplier_user.organisation)
        kwargs.setdefault("raised_by", supplier_user)
        kwargs.setdefault("services", [service])
        return IncidentFactory(**kwargs)

    return make
