"""Periodic work of the kernel (merged into CELERY_BEAT_SCHEDULE by settings)."""

SCHEDULE = {
    "kernel-expire-idempotency-records": {
        "task": "kernel.tasks.expire_idempotency_records",
        "schedule": 3600.0,
    },
    "kernel-forget-old-heartbeats": {
        "task": "kernel.tasks.forget_old_heartbeats",
        "schedule": 86400.0,
    },
}
