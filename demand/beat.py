"""Periodic sweeps of the demand app (merged into CELERY_BEAT_SCHEDULE by settings)."""

SCHEDULE = {
    # Catches forecasts whose after-commit evaluation task was lost (broker down).
    "demand-evaluate-pending": {"task": "demand.tasks.evaluate_pending", "schedule": 300.0},
}
