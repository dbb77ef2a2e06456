import io

import pytest

from accounts import demo as accounts_demo
from servicerequests import demo
from servicerequests.models import ServiceRequest
from services import demo as services_demo


@pytest.mark.django_db
def test_demo_data_loads_twice_without_duplicates():
    out = io.StringIO()
    accounts_demo.seed(out)
    services_demo.seed(out)
    demo.seed(out)
    count = ServiceRequest.objects.count()
    demo.seed(out)
    assert ServiceRequest.objects.count() == count >= 6
    assert set(ServiceRequest.objects.values_list("status", flat=True)) >= {
        "submitted", "awaiting_approval", "rejected", "in_fulfilment", "closed"}
    assert ServiceRequest.objects.get(item__code="switching-network-connection").item \
        .fulfilment_provider.short_code == "css-provider"
