"""Seed SLA policy version 1 from the severity table (strategy s.10.9, domain.md).

Sev1-3 run on the 24x7 calendar; Sev4 on England & Wales working days, where a
"day" is one working day's length of business time.
"""

from datetime import datetime, timezone

from django.db import migrations

GUIDANCE = {
    1: "Major Incident: prevents a large group of Market Participants using live services.",
    2: "Non-critical adverse impact: live service running at reduced capacity.",
    3: "Adverse impact on one participant, reduced to moderate by a workaround.",
    4: "Minor or minimal adverse impact.",
}
# severity: (response amount, unit, resolution amount, unit, calendar slug)
TARGETS = {
    1: (10, "minutes", 4, "hours", "24x7"),
    2: (20, "minutes", 24, "hours", "24x7"),
    3: (45, "minutes", 72, "hours", "24x7"),
    4: (1, "working_days", 10, "working_days", "england-and-wales-working-days"),
}


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("incidents", "SlaPolicy")
    SlaTarget = apps.get_model("incidents", "SlaTarget")
    BusinessCalendar = apps.get_model("services", "BusinessCalendar")
    policy, _ = SlaPolicy.objects.get_or_create(
        effective_from=datetime(2020, 1, 1, tzinfo=timezone.utc),
        defaults={"name": "Severity table v1"})
    for severity, (r_amount, r_unit, s_amount, s_unit, slug) in TARGETS.items():
        SlaTarget.objects.get_or_create(
            policy=policy, severity=severity,
            defaults={"response_amount": r_amount, "response_unit": r_unit,
                      "resolution_amount": s_amount, "resolution_unit": s_unit,
                      "calendar": BusinessCalendar.objects.get(slug=slug),
                      "guidance": GUIDANCE[severity]})


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial"), ("services", "0002_seed_calendars")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
