"""Stored Idempotency-Key responses move to kernel.IdempotencyRecord (one store for every API).

Rows are copied first, so a provider retrying across the upgrade still gets its replay.
"""

from django.db import migrations


def copy_to_kernel(apps, schema_editor):
    Old = apps.get_model("changes", "IdempotencyRecord")
    New = apps.get_model("kernel", "IdempotencyRecord")
    New.objects.bulk_create(
        [New(scope=f"org:{row.organisation_id}", key=row.key, request_hash=row.request_hash,
             response_status=row.response_status, response_body=row.response_body,
             created_at=row.created_at) for row in Old.objects.iterator()],
        batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("changes", "0002_seed_notice_rules"),
        ("kernel", "0001_idempotency_and_heartbeats"),
    ]

    operations = [
        migrations.RunPython(copy_to_kernel, migrations.RunPython.noop),
        migrations.DeleteModel(
            name="IdempotencyRecord",
        ),
    ]
