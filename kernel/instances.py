"""Copies of model instances kept in a process cache, for one request each.

A cached row handed to a request is copied first, so what the request sets on it (or caches
on it: related rows, `_state`) stays its own. `copy.copy` of a model instance goes through
pickling's protocol (`__reduce_ex__`, `__getstate__`, `model_unpickle`, `__setstate__`):
about 20 us, three times in every event a provider posts (its token, the token's account,
the service). `copy_instance` makes the same copy directly.
"""

import copy
import functools

from django.db.models import Model
from django.db.models.base import ModelState


def copy_instance(instance):
    """Return a shallow copy of the model `instance`, as `copy.copy` makes it: its own
    attributes dict, its own `_state` with its own cache of related rows (the related
    rows themselves shared). A model that customises copying or pickling, or holds a
    memoryview (a BinaryField's value), is copied by `copy.copy`."""
    cls = type(instance)
    state = instance.__dict__
    if not _copies_plainly(cls) or memoryview in map(type, state.values()):
        return copy.copy(instance)
    twin = object.__new__(cls)
    model_state = object.__new__(ModelState)
    model_state.__dict__.update(instance._state.__dict__)
    model_state.fields_cache = instance._state.fields_cache.copy()
    twin.__dict__.update(state)
    twin._state = model_state
    return twin


@functools.cache
def _copies_plainly(cls):
    """Return True if copy.copy would copy `cls`'s instances through Model's own pickling."""
    return (cls.__reduce__ is Model.__reduce__ and cls.__getstate__ is Model.__getstate__
            and cls.__setstate__ is Model.__setstate__ and not hasattr(cls, "__copy__")
            and cls.__reduce_ex__ is object.__reduce_ex__)
