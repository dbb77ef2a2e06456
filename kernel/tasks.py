"""Celery tasks of the kernel: thin, idempotent sweeps."""

from celery import shared_task


@shared_task(name="kernel.tasks.expire_idempotency_records", ignore_result=True)
def expire_idempotency_records():
    """Delete stored Idempotency-Key responses older than their 24-hour lifetime."""
    from .idempotency import sweep_expired

    return sweep_expired()



@shared_task(name="kernel.tasks.forget_old_heartbeats", ignore_result=True)
def forget_old_heartbeats():
    """Delete heartbeats of workers gone for a week (containers scaled down or replaced)."""
    from . import heartbeats

    heartbeats.forget_older_than(days=7)
