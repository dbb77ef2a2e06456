"""`Idempotency-Key` for every POST a client may retry: a retried request gets the first response.

One implementation for every API (Change Notifications, incidents and their comments,
service requests, events, forecasts, KPI returns). Decorate the view method with
`@idempotent`; the view itself stays as it was.

- The key is the caller's: scoped to the organisation (or, for a user without one, the
  user), so two parties may use the same key.
- The first request with a key inserts its record before the view runs, in the same
  transaction as the change: a concurrent retry with the same key waits on that row and
  then replays the answer; the change and its record are saved together or not at all.
- Same key, same request (method, path, body) -> the stored response, with header
  `Idempotent-Replayed: true`. Same key, different request -> 409.
- Only successful (2xx) answers are stored: a 400 can be corrected and sent again with
  the same key.
- Records expire after IdempotencyRecord.TTL (24 hours); the beat sweep deletes them
  (kernel/tasks.py), and an expired record found before the sweep is replaced.

Written by hand: no maintained library does this for DRF with a transactional record.
"""

import hashlib
import json
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
IN_FLIGHT = 0  # response_status of a record whose request has not finished


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = ("This Idempotency-Key was already used with a different request; "
                      "use a new key for a new request.")
    default_code = "idempotency_key_reused"


class IdempotencyKeyInFlight(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = ("A request with this Idempotency-Key is being processed; "
                      "retry it to receive that request's response.")
    default_code = "idempotency_key_in_flight"


PARAMETER = OpenApiParameter(
    HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description=f"Any unique string (e.g. a UUID), up to {MAX_KEY_LENGTH} characters. A retry "
    "with the same key and body within 24 hours returns the first response (header "
    "`Idempotent-Replayed: true`) and changes nothing; the same key with a different body "
    "gets 409.")


def scope_of(user):
    """Return whose keys `user`'s requests use, or None for an anonymous caller."""
    if not getattr(user, "is_authenticated", False):
        return None
    organisation_id = getattr(user, "organisation_id", None)
    return f"org:{organisation_id}" if organisation_id else f"user:{user.pk}"


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


def _key_of(request):
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError(
            {HEADER: [f"Send 1 to {MAX_KEY_LENGTH} characters, e.g. a UUID."]})
    return key


def _claim(scope, key, digest):
    """Insert the in-flight record for `key`; return it, or the stored record if one exists."""
    for _ in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    scope=scope, key=key, request_hash=digest, response_status=IN_FLIGHT), True
        except IntegrityError:
            # Another request holds (or held) the key. On PostgreSQL the insert waited for
            # that transaction to finish, so its record is now readable.
            stored = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
            if stored is None:
                continue  # it rolled back (a failed request): the key is free again
            if stored.created_at < timezone.now() - IdempotencyRecord.TTL:
                stored.delete()  # expired, not yet swept: a new request
                continue
            return stored, False
    raise IdempotencyKeyInFlight()


def _replay(stored, digest):
    if stored.request_hash != digest:
        raise IdempotencyKeyReused()
    if stored.response_status == IN_FLIGHT:
        raise IdempotencyKeyInFlight()
    return Response(stored.response_body, status=stored.response_status,
                    headers={"Idempotent-Replayed": "true"})


def idempotent(view_method):
    """Make a POST view method safe to retry when the caller sends an Idempotency-Key."""

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = _key_of(request) if request.method == "POST" else None
        scope = scope_of(request.user)
        if key is None or scope is None:
            return view_method(self, request, *args, **kwargs)
        digest = fingerprint(request)
        with transaction.atomic():
            record, claimed = _claim(scope, key, digest)
            if not claimed:
                return _replay(record, digest)
            response = view_method(self, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                record.response_status = response.status_code
                record.response_body = json.loads(JSONRenderer().render(response.data) or b"null")
                record.save(update_fields=["response_status", "response_body"])
            else:
                record.delete()
        return response

    wrapper.idempotent = True
    return wrapper


def sweep_expired(*, now=None, batch=5000):
    """Delete expired records (the beat sweep); return how many were deleted."""
    ids = list(IdempotencyRecord.objects.expired(now=now).values_list("pk", flat=True)[:batch])
    return IdempotencyRecord.objects.filter(pk__in=ids).delete()[0]

