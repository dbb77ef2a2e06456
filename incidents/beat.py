SCHEDULE = {
    "incidents-sla-sweep": {"task": "incidents.tasks.sla_sweep", "schedule": 30.0},
    "incidents-auto-close": {"task": "incidents.tasks.auto_close", "schedule": 900.0},
    "incidents-communications": {"task": "incidents.tasks.communications_sweep",
                                 "schedule": 60.0},
    "incidents-inbound-mail": {"task": "incidents.tasks.read_inbound_mail", "schedule": 60.0},
}
