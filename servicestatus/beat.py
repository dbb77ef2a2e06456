SCHEDULE = {
    "servicestatus-deliver-webhooks": {
        "task": "servicestatus.tasks.deliver_due_webhooks",
        "schedule": 60.0,
    },
    "servicestatus-recompute-status": {
        "task": "servicestatus.tasks.recompute_all",
        "schedule": 60.0,
    },
}
