"""Append-only audit trail of business records: who, when, what changed, from where.

Written here rather than taken from django-simple-history or django-auditlog
because the trail must record the *channel* (portal, admin, API, system) and
the acting API token's organisation on every row, and a single append-only
table with a JSON diff is all the admin console and the regulator need.

Apps register their models in AppConfig.ready():  `audit.register(Incident)`.
Saves through the ORM (`save()`, `create()`, `delete()`) are recorded;
`QuerySet.update()` bypasses signals, so services that change business
records use `save(update_fields=...)`; bulk writes call `record_bulk()`.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_save, pre_save

from kernel.acting import Channel, acting, channel_for_path, current_context, request_context

from .models_audit import AuditEntry

# Callers name these through this module (`audit.acting(...)`, `audit.Channel.SYSTEM`); the
# context itself lives in the kernel so transition records below accounts can read it too.
__all__ = ["Channel", "acting", "channel_for_path", "current_context", "register",
           "is_registered", "AuditContextMiddleware"]

_registry = {}


class AuditContextMiddleware:
    """Remember the current request so audit rows can name the actor and channel."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_context(request):
            return self.get_response(request)


def _serialisable(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _snapshot(instance, fields):
    return {name: _serialisable(getattr(instance, attname)) for name, attname in fields}


def _tracked_fields(model, exclude):
    return [(f.name, f.attname) for f in model._meta.concrete_fields if f.name not in exclude]


def _on_pre_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None or instance._state.adding:
        instance._audit_before = None
        return
    fields = _registry[sender]
    old = sender._default_manager.filter(pk=instance.pk).values(*[a for _, a in fields]).first()
    instance._audit_before = (
        None if old is None else {name: _serialisable(old[attname]) for name, attname in fields}
    )


def _write(instance, action, changes):
    AuditEntry.append([_row(instance, action, changes, current_context())])


def _row(instance, action, changes, context):
    """The values of one AuditEntry row, in AuditEntry.APPENDED's order."""
    actor, channel, remote_addr = context
    return (_content_type_id(type(instance)), str(instance.pk), str(instance)[:200], action,
            changes, actor.pk if actor is not None and actor.pk else None,
            (actor.get_username() if actor is not None else "system")[:150], channel,
            remote_addr)


def _content_type_id(model):
    return ContentType.objects.get_for_model(model).pk


def _on_post_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    fields = _registry[sender]
    after = _snapshot(instance, fields)
    if created or getattr(instance, "_audit_before", None) is None:
        _write(instance, "create", {k: [None, v] for k, v in after.items() if v not in (None, "")})
        return
    before = instance._audit_before
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if changes:
        _write(instance, "update", changes)


def record_bulk(entries):
    """Write the audit rows of changes saved in bulk (bulk_create and bulk_update skip the
    signals): `entries` is [(instance, "update", {field: [before, after]})] or
    [(instance, "create", None)] (the new row's fields are recorded, as for a save()).

    Fields the model's registration leaves out are dropped, as for a save().
    """
    context = current_context()
    rows = []
    for instance, action, changes in entries:
        fields = _registry[type(instance)]
        if changes is None:
            changes = {k: [None, v] for k, v in _snapshot(instance, fields).items()
                       if v not in (None, "")}
        tracked = {name for name, _ in fields}
        changes = {name: [_serialisable(a), _serialisable(b)]
                   for name, (a, b) in changes.items() if name in tracked}
        if not changes:
            continue
        rows.append(_row(instance, action, changes, context))
    AuditEntry.append(rows)
    return len(rows)


def _on_post_delete(sender, instance, **kwargs):
    _write(instance, "delete", {})


def register(model, *, exclude=()):
    """Record every create, update and delete of `model` in the audit trail."""
    exclude = set(exclude)
    _registry[model] = _tracked_fields(model, exclude)
    uid = f"audit-{model._meta.label}"
    pre_save.connect(_on_pre_save, sender=model, dispatch_uid=uid + "-pre")
    post_save.connect(_on_post_save, sender=model, dispatch_uid=uid + "-post")
    post_delete.connect(_on_post_delete, sender=model, dispatch_uid=uid + "-del")


def is_registered(model):
    return model in _registry
