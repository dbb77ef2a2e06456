"""Seed the two standard calendars: 24x7, and England & Wales working days with bank holidays."""

from datetime import time

from django.db import migrations

from services.holidays import england_and_wales


def seed(apps, schema_editor):
    BusinessCalendar = apps.get_model("services", "BusinessCalendar")
    Holiday = apps.get_model("services", "Holiday")
    BusinessCalendar.objects.get_or_create(
        slug="24x7", defaults={"name": "24x7 (every minute counts)", "is_24x7": True})
    ew, _ = BusinessCalendar.objects.get_or_create(
        slug="england-and-wales-working-days",
        defaults={"name": "England & Wales working days (Mon-Fri 08:00-18:00)",
                  "is_24x7": False, "working_days": "0,1,2,3,4",
                  "day_start": time(8, 0), "day_end": time(18, 0)},
    )
    for year in range(2024, 2036):
        for day, name in england_and_wales(year):
            Holiday.objects.get_or_create(calendar=ew, date=day, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
