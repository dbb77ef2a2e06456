"""`Idempotency-Key` for the providers' POSTs: a retried request returns the first response.

Written by hand (no library does this for DRF in the way we need): the key is
scoped to the caller's organisation, the stored row holds a hash of the
method, path and body, and the row is written in the same transaction as the
change, so either both are saved or neither is. A retry with the same key and
the same request replays the stored response (header `Idempotent-Replayed:
true`); the same key with a different request is refused with 422.
"""

import hashlib
import json
from functools import wraps

from django.db import IntegrityError, transaction
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from kernel.api_errors import Conflict

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = ("This Idempotency-Key was already used with a different request; "
                      "use a new key for a new request.")
    default_code = "idempotency_key_reused"


def fingerprint(request):
    """Return a hash of what the request asks for: method, path and body (files by name/size)."""
    data = request.data
    if hasattr(data, "lists"):  # a QueryDict from a form or multipart body
        body = {key: [getattr(v, "name", v) for v in values] for key, values in data.lists()}
        body.update({key: [(f.name, f.size) for f in files]
                     for key, files in request.FILES.lists()})
    else:
        body = data
    text = json.dumps(body, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{text}".encode()).hexdigest()


def idempotent(view_method):
    """Make a POST view method safe to retry when the caller sends an Idempotency-Key."""

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        organisation_id = getattr(request.user, "organisation_id", None)
        if key is None or organisation_id is None:
            return view_method(self, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise exceptions.ValidationError(
                {HEADER: [f"Send 1 to {MAX_KEY_LENGTH} characters, e.g. a UUID."]})
        digest = fingerprint(request)
        stored = IdempotencyRecord.objects.filter(organisation_id=organisation_id, key=key).first()
        if stored is not None:
            if stored.request_hash != digest:
                raise IdempotencyKeyReused()
            return Response(stored.response_body, status=stored.response_status,
                            headers={"Idempotent-Replayed": "true"})
        with transaction.atomic():
            response = view_method(self, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                body = json.loads(JSONRenderer().render(response.data) or b"null")
                try:
                    with transaction.atomic():
                        IdempotencyRecord.objects.create(
                            organisation_id=organisation_id, key=key, request_hash=digest,
                            response_status=response.status_code, response_body=body)
                except IntegrityError:
                    # A concurrent request with the same key won: undo ours.
                    raise Conflict("A request with this Idempotency-Key is being processed; "
                                   "retry it to receive that request's response.") from None
        return response

    return wrapper
