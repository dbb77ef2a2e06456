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
    assert count == 6 and Incident.objects.filter(is_major=True).count() == 1
    outage = Incident.objects.get(is_major=True)
    assert outage.children.count() == 1 and outage.tasks.open().count() == 2
    assert outage.affected_organisations.get().organisation.short_code == "fenland-shipping"
    demo.seed(out)
    assert Incident.objects.count() == count
