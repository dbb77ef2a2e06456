"""Strict parsing of API input: query parameters and partial updates.

Every integer a client can put in a query string goes through `bounded_int`, so no value
reaches a slice or a database query that the database cannot hold (a `limit` above 2**63
was a 500) and a typo is reported instead of silently replaced by a default. The
pagination classes (kernel.api_pagination) and any view reading its own query
parameters use it. `WholeFieldsOnPatch` makes PATCH validate what it sends like create.
"""

from collections.abc import Mapping

from rest_framework.exceptions import ValidationError
from rest_framework.fields import empty

# Larger than any count or offset this system will hold, smaller than a 32-bit integer.
MAX_INTEGER = 2**31 - 1


def bounded_int(params, name, *, default=None, minimum=0, maximum=MAX_INTEGER):
    """Return query parameter `name` as an int in [minimum, maximum], or `default` if absent.

    Raise ValidationError({name: [...]}) for anything else: not a whole number, or out of
    range. An empty value counts as absent.
    """
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    text = raw.strip()
    digits = text[1:] if text[:1] in "+-" else text
    # Bounded before int(): Python refuses to convert very long digit strings anyway.
    if not digits.isascii() or not digits.isdigit() or len(digits) > 12:
        raise ValidationError({name: [f"Enter a whole number from {minimum} to {maximum}."]})
    value = int(text)
    if not minimum <= value <= maximum:
        raise ValidationError({name: [f"Enter a whole number from {minimum} to {maximum}."]})
    return value


def integer_schema(*, minimum=0, maximum=MAX_INTEGER):
    """Return the OpenAPI schema of a bounded integer parameter (what bounded_int accepts)."""
    return {"type": "integer", "minimum": minimum, "maximum": maximum}


class WholeFieldsOnPatch:
    """Serializer mixin: a partial update (PATCH) may leave fields out, but each field it
    sends is validated exactly as on create, nested items included.

    DRF's `partial=True` reaches into nested serializers: `{"impacts": [{"impact": "none"}]}`
    passed validation without the required `service` and failed later in the service layer.
    Here the absent top-level fields are dropped first, then the rest is validated in full.
    """

    def to_internal_value(self, data):
        if not self.partial or not isinstance(data, Mapping):
            return super().to_internal_value(data)
        for name, field in list(self.fields.items()):
            if not field.read_only and field.get_value(data) is empty:
                self.fields.pop(name)  # not sent: left as it is
        self.partial = False
        try:
            return super().to_internal_value(data)
        finally:
            self.partial = True
