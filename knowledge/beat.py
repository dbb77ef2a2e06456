"""Periodic knowledge sweeps (merged into CELERY_BEAT_SCHEDULE by settings). All idempotent."""

SCHEDULE = {
    # Hourly, but each overdue article's owner is emailed at most once a day (dedup key).
    "knowledge-review-reminders": {
        "task": "knowledge.tasks.send_review_reminders",
        "schedule": 60.0 * 60,
    },
    "knowledge-settle-deflections": {
        "task": "knowledge.tasks.settle_deflections",
        "schedule": 60.0 * 15,
    },
    # Heals a lost change signal: problems follow their fixing change's outcome.
    "knowledge-follow-fixing-changes": {
        "task": "knowledge.tasks.follow_fixing_changes",
        "schedule": 60.0 * 5,
    },
}
