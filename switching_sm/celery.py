"""Celery application: SLA timers, notifications and report generation."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switching_sm.settings")

app = Celery("switching_sm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
