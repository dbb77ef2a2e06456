SCHEDULE = {
    "servicerequests-sla-sweep": {"task": "servicerequests.tasks.sla_sweep", "schedule": 300.0},
}
