"""Refuse control characters at the edge, before any view, filter or database sees them.

A NUL byte cannot be stored in PostgreSQL (psycopg refuses the query), a lone UTF-16
surrogate cannot be encoded as UTF-8, and other C0 control characters break the Atom
feed, the XLSX report and the CSV exports later. None belongs in anything a person or a
provider's system sends us, so they are refused once, here, with a 400 that names where
the character is:

- the URL path and the query string of every request (InputGuardMiddleware);
- the parsed body of every API request, JSON or form (the Guarded* parsers, set as
  REST_FRAMEWORK's DEFAULT_PARSER_CLASSES). The JSON parser also refuses a body that is
  not an object. (Django's multipart parser already drops unprintable characters from
  uploaded file names.)

Tab, line feed and carriage return are text and stay allowed.
"""

from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, JsonResponse
from rest_framework import exceptions, parsers

ALLOWED_CONTROLS = {"\t", "\n", "\r"}
# Paths an orchestrator probes; nothing here may stand between it and the answer.
EXEMPT_PATHS = ("/healthz", "/readyz")


def forbidden_character(text):
    """Return the first character of `text` we refuse (C0 control or lone surrogate), or None."""
    for char in text:
        code = ord(char)
        if (code < 0x20 and char not in ALLOWED_CONTROLS) or 0xD800 <= code <= 0xDFFF:
            return char
    return None


def find_forbidden(value, path=()):
    """Return (path, character) for the first refused character in a parsed value, or None.

    `value` is what a parser produced: dicts, lists and strings, nested. Keys are checked
    as well as values; `path` is the list of keys and indexes leading to the string.
    """
    if isinstance(value, str):
        char = forbidden_character(value)
        return (path, char) if char is not None else None
    if hasattr(value, "lists"):  # QueryDict / MultiValueDict: a repeated key is one field
        for key, values in value.lists():
            found = find_forbidden({key: ""}, path) or next(
                (hit for v in values if (hit := find_forbidden(v, (*path, str(key))))), None)
            if found:
                return found
        return None
    if isinstance(value, dict):
        for key, inner in value.items():
            key_text = str(key)
            char = forbidden_character(key_text)
            if char is not None:
                return (*path, key_text.encode("unicode_escape").decode()), char
            found = find_forbidden(inner, (*path, key_text))
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for index, inner in enumerate(value):
            found = find_forbidden(inner, (*path, str(index)))
            if found:
                return found
    return None


def describe(char):
    return f"Contains a control character (U+{ord(char):04X}) that is not allowed; remove it."


def field_path(path, default):
    return ".".join(path) if path else default


class InputGuardMiddleware:
    """Answer 400 for a control character in the URL path or query string."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(EXEMPT_PATHS):
            return self.get_response(request)
        found = None
        char = forbidden_character(request.path_info)
        if char is not None:
            found = ("path", char)
        else:
            hit = find_forbidden(request.GET)
            if hit:
                found = (field_path(hit[0], "query"), hit[1])
        if found is None:
            return self.get_response(request)
        where, char = found
        if request.path_info.startswith("/api/"):
            # Imported here: api_errors imports DRF's views, which import these parsers.
            from .api_errors import error_body

            return JsonResponse(error_body(
                status_code=400, code="invalid",
                message="The request has invalid fields; see `fields`.",
                fields={where: [describe(char)]}), status=400)
        return HttpResponseBadRequest(
            f"Bad request: the address ({where}) {describe(char)[0].lower()}{describe(char)[1:]}",
            content_type="text/plain; charset=utf-8")


class GuardedParserMixin:
    """Refuse a parsed API body holding a control character, naming its field path."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        # Multipart gives DataAndFiles; Django already strips unprintable file-name characters.
        hit = find_forbidden(getattr(parsed, "data", parsed))
        if hit:
            path, char = hit
            raise exceptions.ValidationError({field_path(path, "non_field_errors"): [describe(char)]})
        return parsed


JSON_KINDS = {type(None): "null", bool: "true or false", int: "a number", float: "a number",
              list: "a list", str: "a string"}


class GuardedJSONParser(GuardedParserMixin, parsers.JSONParser):
    """Every JSON body of this API is an object: anything else (`null`, `false`, `0`, a list,
    a string) is a 400 here, so no view or serializer ever sees a non-object body."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        if not isinstance(parsed, dict):
            sent = JSON_KINDS.get(type(parsed), "something else")
            raise exceptions.ValidationError({"non_field_errors": [
                f"Send a JSON object with the fields named in the API docs, not {sent}."]})
        return parsed


class GuardedFormParser(GuardedParserMixin, parsers.FormParser):
    pass


class GuardedMultiPartParser(GuardedParserMixin, parsers.MultiPartParser):
    pass


def single_line(value):
    """Validator: refuse a line break in a one-line field (a title goes into email subjects,
    where a line break would be a header injection and the notice would fail)."""
    text = str(value)
    if "\n" in text or "\r" in text or len(text.splitlines()) > 1:
        raise ValidationError("Use a single line (no line breaks).", code="single_line")
