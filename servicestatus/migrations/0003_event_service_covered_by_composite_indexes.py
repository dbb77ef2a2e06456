# Event.service loses its own index: event_dedup_idx and event_trend_idx both lead with
# service_id. Only the index is dropped: letting AlterField do it would drop and re-add the
# foreign key, which checks every stored event while holding off new ones.

import django.db.models.deletion
from django.db import migrations, models

INDEX = "servicestatus_event_service_id_f221a48c"


class Migration(migrations.Migration):

    dependencies = [
        ('services', '0003_service_used_by_market_roles'),
        ('servicestatus', '0002_event_cleared_at'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='event',
                    name='service',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='services.service'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "servicestatus_event" ("service_id")',
                ),
            ],
        ),
    ]
