SCHEDULE = {
    "notifications-deliver-outbox": {
        "task": "notifications.tasks.deliver_pending",
        "schedule": 60.0,
    },
}
