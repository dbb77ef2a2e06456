import io
from datetime import timedelta

from django.utils import timezone

from accounts import demo as accounts_demo
from services import demo as services_demo
from services.models import Service
from servicestatus import demo
from servicestatus.availability import measure_one
from servicestatus.models import Bulletin, StatusInterval


def test_demo_seed_is_idempotent_and_gives_a_90_day_history(db):
    out = io.StringIO()
    accounts_demo.seed(out)
    services_demo.seed(out)
    demo.seed(out)
    counts = (StatusInterval.objects.count(), Bulletin.objects.count())
    demo.seed(out)
    assert (StatusInterval.objects.count(), Bulletin.objects.count()) == counts
    # The intervals of each service still tile time: no overlaps, no gaps.
    for service_id in StatusInterval.objects.values_list("service_id", flat=True).distinct():
        rows = list(StatusInterval.objects.filter(service_id=service_id).order_by("start"))
        for before, after in zip(rows, rows[1:], strict=False):
            assert before.end == after.start
    now = timezone.now()
    dcc = measure_one(Service.objects.get(code="dcc-dsp"), start=now - timedelta(days=90),
                      end=now)
    assert dcc.interruptions == 1
