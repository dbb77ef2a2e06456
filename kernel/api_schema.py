"""The OpenAPI schema says what the API does: errors, nullable fields, rate limits.

REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS. On top of drf-spectacular it

- documents on every operation each error status it can answer, in the one error shape
  (kernel/api_errors.py): 400 and 401 everywhere, 403 unless the operation is a
  public read, 404 where the path names a record, 409 for writes, 415 for writes with a
  body, 429 (with Retry-After) where a rate limit applies;
- documents the `Idempotency-Key` header on every POST decorated with
  `kernel.idempotency.idempotent`, and 503 (database failing over, with Retry-After)
  on every operation;
- marks a response field nullable when the model field it reads (or a relation on the
  way to it) is nullable, so a read-only `SlugRelatedField` on an optional foreign key
  is documented as the `null` it returns.

The schemathesis run in CI (bin/fuzz_api.py) checks every response against this.
"""

from http import HTTPStatus

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers

from kernel import idempotency

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ApiErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text="Validation errors only: messages by dotted field path, e.g. "
                  "`impacts.0.service`.")


class ApiErrorSerializer(serializers.Serializer):
    """The one error shape of the API (kernel/api_errors.py); for the schema only."""

    error = ApiErrorBodySerializer()


ERRORS = {
    "400": "Invalid input: a query parameter, the body, or a control character in either. "
           "`fields` names each field by its dotted path.",
    "401": "No credentials, or a wrong or revoked token, or the account or its organisation "
           "is deactivated.",
    "403": "Signed in, but not allowed to do this.",
    "404": "No such record, or it is not visible to you.",
    "409": "The record's current state does not allow this (e.g. an invalid transition), "
           "with the reason; or the Idempotency-Key was used with a different request.",
    "415": "The body's Content-Type is not one this operation reads (see its request body).",
    "429": "Too many requests from this API token; try again after `Retry-After` seconds.",
    "503": "The database is briefly unavailable (a restart or failover); nothing was changed. "
           "Retry after `Retry-After` seconds, with the same Idempotency-Key.",
}
RETRY_AFTER = {"Retry-After": {
    "schema": {"type": "integer", "minimum": 1},
    "description": "Seconds to wait before the next request will be accepted."}}


def _nullable_source(field):
    """Return True if the model field `field` reads may be null (its own or a relation's)."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or field.source == "*":
        return False
    for name in field.source.split("."):
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        reverse = model_field.auto_created and not model_field.concrete
        if (model_field.one_to_one and reverse) or (model_field.null and not reverse):
            return True  # a reverse one-to-one may have no row
        if not model_field.is_relation or model_field.related_model is None:
            return False
        model = model_field.related_model
    return False


class AutoSchema(openapi.AutoSchema):
    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if (direction == "response" and isinstance(field, serializers.Field)
                and not isinstance(field, (serializers.ManyRelatedField, serializers.ListSerializer,
                                           serializers.ListField))
                and not field.allow_null and _nullable_source(field)):
            meta["nullable"] = True
        return meta

    def _error_codes(self):
        writes = self.method not in SAFE_METHODS
        public_read = not writes and all(
            issubclass(permission, permissions.AllowAny)
            for permission in self.view.permission_classes)
        codes = ["400", "401"]
        if not public_read:
            codes.append("403")
        if "{" in self.path:
            codes.append("404")
        if writes:
            codes.append("409")
            if self.get_request_serializer() is not None:
                codes.append("415")
        if any(throttle.applies_to(self.method)
               for throttle in self.view.throttle_classes if hasattr(throttle, "applies_to")):
            codes.append("429")
        codes.append("503")
        return codes

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        action = getattr(self.view, "action", None) or self.method.lower()
        if self.method == "POST" and getattr(getattr(self.view, action, None), "idempotent", False):
            parameters = [*parameters, idempotency.PARAMETER]
        return parameters

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        for code, response in bodies.items():  # codes a view declared without words
            if code >= "400" and not response.get("description"):
                response["description"] = ERRORS.get(code) or HTTPStatus(int(code)).phrase
        for code in self._error_codes():
            if code not in bodies:
                bodies[code] = self._get_response_for_code(
                    OpenApiResponse(ApiErrorSerializer, description=ERRORS[code]), code,
                    direction=direction)
            if code in ("429", "503"):
                bodies[code].setdefault("headers", {}).update(RETRY_AFTER)
        return bodies
