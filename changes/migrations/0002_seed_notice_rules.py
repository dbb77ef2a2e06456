"""Default notice periods in working days (England & Wales). Switching Operations edits them in
the console; provider- and service-specific rules (e.g. CSS planned outages: 8 working days)
are added there or by the demo seed, as the catalogue is data."""

from django.db import migrations

DEFAULTS = [
    ("normal", 5, "Normal changes: 5 working days"),
    ("major", 20, "Major changes: 20 working days"),
]


def seed(apps, schema_editor):
    NoticePeriodRule = apps.get_model("changes", "NoticePeriodRule")
    for change_type, days, description in DEFAULTS:
        NoticePeriodRule.objects.get_or_create(
            provider=None, service=None, change_type=change_type, outages_only=False,
            defaults={"working_days": days, "description": description})


class Migration(migrations.Migration):
    dependencies = [("changes", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
