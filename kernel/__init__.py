"""The shared kernel: small, domain-free building blocks every app uses the same way.

It sits below the catalogue and accounts and imports none of the project's apps:
lifecycles and transition records, the SLA clock engine over business calendars,
attachment policy, UK reporting periods, duration units, idempotency.
"""
