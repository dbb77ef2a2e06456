from django.db import migrations, models

# ReferenceCounter.SEQUENCES, as it was when this migration was written.
SEQUENCES = {"incident": "incidents_reference_incident_seq",
             "REQ": "incidents_reference_req_seq"}


def create_sequences(apps, schema_editor):
    """On PostgreSQL, start a sequence per reference name after the number counted so far."""
    if schema_editor.connection.vendor != "postgresql":
        return
    ReferenceCounter = apps.get_model("incidents", "ReferenceCounter")
    counted = dict(ReferenceCounter.objects.values_list("name", "value"))
    for name, sequence in SEQUENCES.items():
        schema_editor.execute(f'CREATE SEQUENCE IF NOT EXISTS "{sequence}" '
                              f"START WITH {counted.get(name, 0) + 1} MINVALUE 1")


def drop_sequences(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    ReferenceCounter = apps.get_model("incidents", "ReferenceCounter")
    for name, sequence in SEQUENCES.items():
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f'SELECT last_value, is_called FROM "{sequence}"')
            last_value, is_called = cursor.fetchone()
        ReferenceCounter.objects.update_or_create(
            name=name, defaults={"value": last_value if is_called else last_value - 1})
        schema_editor.execute(f'DROP SEQUENCE IF EXISTS "{sequence}"')


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0010_multiparty_tasks_masters_communications'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(condition=models.Q(('status__in', ('new', 'in_progress', 'pending')), ('severity__in', (1, 2))), fields=['severity'], name='inc_open_affecting_idx'),
        ),
        migrations.RunPython(create_sequences, drop_sequences),
    ]
