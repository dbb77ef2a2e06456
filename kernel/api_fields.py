"""Serializer fields built once per class and copied per use, for the API's hot paths.

DRF builds a serializer's fields afresh for every instance: a ModelSerializer asks the
model about each field, and every declared field is deep-copied (each copy re-runs the
field's constructor). For the incident's 31 output fields that was over a millisecond of
every create and detail answer. `PrototypeFields` builds the class's fields once, unbound,
and gives each instance copies bound to it:

- a plain field keeps nothing per request until it is bound (bind() sets its name, parent
  and source on the copy), so a shallow copy is enough: a new instance given the
  prototype's attributes (`copy.copy` goes through `__reduce_ex__`, three times slower);
- a nested serializer is deep-copied, as DRF does, and no state is ever shared between
  two requests;
- a many-relation (`many=True` on a related field) holds a child relation bound to it: it
  and its child are copied and the child's copy pointed at the many's copy. Deep-copying
  it re-ran the child's constructor (a queryset built anew: 4 % of an incident create).

The fields must not depend on the instance (context, request user): serializers whose
get_fields() or __init__ change fields per request do not use this.
"""

import copy

from django.utils.functional import cached_property
from rest_framework.relations import ManyRelatedField
from rest_framework.serializers import BaseSerializer
from rest_framework.utils.serializer_helpers import BindingDict

_DEEP = (BaseSerializer, ManyRelatedField)


class PrototypeFields:
    """Mixin for a Serializer (first in the bases): fields built once per class."""

    @cached_property
    def fields(self):
        cls = type(self)
        prototype = cls.__dict__.get("_prototype_fields")
        if prototype is None:  # two threads may both build it: the same fields either way
            prototype = self.get_fields()
            cls._prototype_fields = prototype
        fields = BindingDict(self)
        for name, field in prototype.items():
            fields[name] = _copy(field)
        return fields


def _copy(field):
    if isinstance(field, ManyRelatedField) and not isinstance(field.child_relation,
                                                              BaseSerializer):
        many = _shallow(field)
        many.child_relation = _shallow(field.child_relation)
        many.child_relation.parent = many  # its name and source were set when first bound
        return many
    return copy.deepcopy(field) if isinstance(field, _DEEP) else _shallow(field)


def _shallow(field):
    cls = type(field)
    twin = object.__new__(cls)
    twin.__dict__.update(field.__dict__)
    return twin
