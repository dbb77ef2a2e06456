"""Inserts for the hot write paths: a statement built once per model, columns and database,
instead of the ORM building and compiling one on every save.

An event a provider's monitoring posts, and the audit row every audited save writes, are
inserts of one shape many times a second. `Model.save()` spends most of an insert's CPU
around the statement: compiling it afresh, sending pre_save/post_save to nobody, reading
back fields the caller never uses. Here each value still goes through its field's own
`pre_save` (auto_now_add) and conversion for the database in use (`get_db_prep_save`), so
what is stored is what save() stores.

`insert(instance)`: one new row, its primary key read back (RETURNING where the database
has it). A model something listens to (pre_save or post_save receivers) is saved by the ORM
instead, so no receiver is ever skipped. `insert_rows(model, names, rows)`: many rows of a
model nothing reads back, 500 to a statement.
"""

import functools

from django.db import connections, router
from django.db.models.signals import post_save, pre_save

BATCH = 500


@functools.cache
def _columns(model, names, alias):
    """Return (fields, "INSERT INTO t (columns) VALUES", one row's placeholders)."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    meta = model._meta
    if names is None:  # every concrete field but an auto primary key
        fields = tuple(field for field in meta.concrete_fields
                       if not (field.primary_key and field.db_returning))
    else:
        fields = tuple(meta.get_field(name) for name in names)
    columns = ", ".join(quote(field.column) for field in fields)
    return (fields, f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES",
            "(" + ", ".join(["%s"] * len(fields)) + ")")


@functools.cache
def _returning(model, alias):
    """Return the RETURNING clause reading the primary key back, or "" (the database then
    reports it as the last insert id)."""
    connection = connections[alias]
    if not connection.features.can_return_columns_from_insert:
        return ""
    sql, _ = connection.ops.return_insert_columns([model._meta.pk])
    return f" {sql}"


def insert(instance, *, using=None):
    """Insert the new `instance` (as `save(force_insert=True)` would) and set its primary
    key. Return the instance."""
    model = type(instance)
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        instance.save(force_insert=True, using=using)
        return instance
    alias = using or router.db_for_write(model, instance=instance)
    connection = connections[alias]
    instance._prepare_related_fields_for_save(operation_name="save")
    fields, head, placeholders = _columns(model, None, alias)
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection)
              for field in fields]
    returning = _returning(model, alias)
    pk = model._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(f"{head} {placeholders}{returning}", params)
        if returning:
            value = cursor.fetchone()[0]
        else:
            value = connection.ops.last_insert_id(cursor, model._meta.db_table, pk.column)
    column = pk.get_col(model._meta.db_table)  # as the ORM converts a returned column
    for convert in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
        value = convert(value, column, connection)
    setattr(instance, pk.attname, value)
    instance._state.adding = False
    instance._state.db = alias
    return instance


def insert_rows(model, names, rows, *, using=None):
    """Insert `rows` (tuples of the `names` fields' values, ids for foreign keys) into
    `model`'s table, `BATCH` rows a statement. No instance is built and nothing is read
    back: for tables whose rows nobody handles in the same request (the audit trail)."""
    if not rows:
        return
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    fields, head, placeholders = _columns(model, tuple(names), alias)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start:start + BATCH]
            params = [field.get_db_prep_save(value, connection)
                      for row in batch for field, value in zip(fields, row, strict=True)]
            cursor.execute(f"{head} " + ", ".join([placeholders] * len(batch)), params)
