import io

import pytest

from accounts import demo as accounts_demo
from incidents import demo
from incidents.models import Incident
from services import demo as services_demo

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent():
    out = io.StringIO()
    accounts_demo.seed(out)
    services_demo.seed(out)
    demo.seed(out)
    count = Incident.objects.count()
    assert count == 5 and Incident.objects.filter(is_major=True).count() == 1
    demo.seed(out)
    assert Incident.objects.count() == count
