"""Search storage on PostgreSQL only: GIN index on the document, narrow rows.

Not declared in the models because a GIN index cannot be created on SQLite
(local runs and tests), where search falls back to containment.
toast_tuple_target moves each (compressed) document out of line, so the rows
that search scans hold little more than the audience and the small rank vector.
"""

from django.db import migrations

TABLE = "knowledge_publishedarticle"
INDEX = "kb_publication_document_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} USING gin (document)")
        schema_editor.execute(f"ALTER TABLE {TABLE} SET (toast_tuple_target = 128)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET (toast_tuple_target)")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
