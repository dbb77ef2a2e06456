"""A real Celery worker, over the real Redis, delivers a signed webhook from the outbox."""

import pytest

from servicestatus import webhooks
from servicestatus.factories import WebhookEndpointFactory
from servicestatus.models import WebhookDelivery
from servicestatus.tests.test_webhooks import Receiver
from tests.integration.test_celery_worker import (  # noqa: F401 (fixtures)
    producer_to_redis,
    wait_for,
    worker,
)

pytestmark = [pytest.mark.integration,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_worker_delivers_a_signed_webhook_through_redis(worker, producer_to_redis,  # noqa: F811
                                                        tmp_path, supplier_org):
    receiver = Receiver()
    try:
        endpoint = WebhookEndpointFactory(organisation=supplier_org, url=receiver.url)
        delivery = webhooks.queue(endpoint=endpoint, event_type="service.status_changed",
                                  payload={"status": "degraded"})

        def delivered():
            delivery.refresh_from_db()
            return delivery.status == WebhookDelivery.State.DELIVERED

        assert wait_for(delivered), (tmp_path / "worker.log").read_text()[-3000:]
        [(headers, body)] = receiver.requests
        assert webhooks.verify(endpoint.secret, headers["X-SSM-Timestamp"], body,
                               headers["X-SSM-Signature"])
    finally:
        receiver.close()
