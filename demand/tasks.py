"""Background work of the demand app: thin, takes ids, calls a service."""

from celery import shared_task

from accounts import audit


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def evaluate_forecasts(forecast_ids):
    """Check uploaded forecasts against capacity (each is evaluated once; re-runs are no-ops)."""
    from .services import evaluate_forecast

    with audit.acting(channel=audit.Channel.SYSTEM):
        for forecast_id in forecast_ids:
            evaluate_forecast(forecast_id=forecast_id)


@shared_task
def evaluate_pending():
    """Evaluate forecasts left SUBMITTED for more than five minutes (idempotent sweep)."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import Forecast

    cutoff = timezone.now() - timedelta(minutes=5)
    ids = list(Forecast.objects.filter(status=Forecast.Status.SUBMITTED, created_at__lt=cutoff)
               .values_list("pk", flat=True)[:5000])
    evaluate_forecasts(ids)
    return len(ids)
