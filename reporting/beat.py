"""Periodic work of the reporting app (merged into CELERY_BEAT_SCHEDULE by settings)."""

from celery.schedules import crontab

SCHEDULE = {
    # Runs on the default queue, so it still runs while the reports worker is busy or dead.
    "reporting-sweep-reports": {"task": "reporting.tasks.sweep_reports", "schedule": 60.0},
    # Runs every morning; does something only on the first E&W working day of the month and
    # only once per period and edition (a unique constraint), so a doubled beat is harmless.
    "reporting-monthly-service-reports": {
        "task": "reporting.tasks.schedule_monthly_reports",
        "schedule": crontab(hour=6, minute=30),
    },
}
