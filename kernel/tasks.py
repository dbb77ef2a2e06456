"""Celery tasks of the kernel: thin, idempotent sweeps."""

from celery import shared_task


@shared_task(name="kernel.tasks.expire_idempotency_records", ignore_result=True)
def expire_idempotency_records():
    """Delete stored Idempotency-Key responses older than their 24-hour lifetime."""
    from .idempotency import sweep_expired

    return sweep_expired()

