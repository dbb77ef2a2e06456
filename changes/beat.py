"""Periodic sweeps of the changes app (merged into CELERY_BEAT_SCHEDULE by settings)."""

SCHEDULE = {
    # A safety net: signals refresh warnings after each freeze or catalogue change, and a
    # draft's notice check depends on today's date.
    "changes-refresh-live-warnings": {
        "task": "changes.tasks.refresh_live_warnings",
        "schedule": 3600.0,
    },
}
