"""Background work of the demand app: thin, takes ids, calls a service."""

from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from accounts import audit

from .evaluation import evaluate_forecast
from .models import Forecast

CHUNK = 500


# A 10 000-row upload takes minutes: longer limits than the default (reports queue).
@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5,
             soft_time_limit=15 * 60, time_limit=16 * 60)
def evaluate_forecasts(forecast_ids):
    """Check uploaded forecasts against capacity (each is evaluated once; re-runs are no-ops)."""
    with audit.acting(channel=audit.Channel.SYSTEM):
        for chunk_start in range(0, len(forecast_ids), CHUNK):
            # One commit per chunk, not per forecast: a 10 000-row upload is checked in
            # minutes rather than tens of minutes. Each evaluation is a savepoint inside.
            with transaction.atomic():
                for forecast_id in forecast_ids[chunk_start:chunk_start + CHUNK]:
                    evaluate_forecast(forecast_id=forecast_id)


@shared_task
def evaluate_pending():
    """Evaluate forecasts left SUBMITTED for more than five minutes (idempotent sweep)."""
    cutoff = timezone.now() - timedelta(minutes=5)
    ids = list(Forecast.objects.filter(status=Forecast.Status.SUBMITTED, created_at__lt=cutoff)
               .values_list("pk", flat=True)[:5000])
    if ids:
        # On the reports queue with its long limits, not inline in this short sweep.
        evaluate_forecasts.delay(ids)
    return len(ids)
