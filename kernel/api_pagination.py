"""The pagination of API lists: `?limit=&offset=`, or a keyset cursor for long lists.

DRF's LimitOffsetPagination ignores a bad `limit` and has no upper bound, so a huge
one reached the database as a slice it could not hold. Here a `limit` outside 1..200 or
an `offset` outside 0..2**31-1 is a 400 naming the parameter, and the schema documents
the same bounds. Lists that grow with the years (incidents, events) page with
`CursorPagination` instead: `?cursor=&limit=`, no offset to walk and no `count`.
"""

from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

from .api_input import MAX_INTEGER, bounded_int, integer_schema

MAX_LIMIT = 200


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    max_limit = MAX_LIMIT
    max_offset = MAX_INTEGER

    def get_limit(self, request):
        return bounded_int(request.query_params, self.limit_query_param, default=self.default_limit,
                           minimum=1, maximum=self.max_limit)

    def get_offset(self, request):
        return bounded_int(request.query_params, self.offset_query_param, default=0,
                           minimum=0, maximum=self.max_offset)

    def get_schema_operation_parameters(self, view):
        limit, offset = super().get_schema_operation_parameters(view)
        limit["description"] = (f"Number of results to return per page (1 to {self.max_limit}, "
                                f"default {self.default_limit}).")
        limit["schema"] = integer_schema(minimum=1, maximum=self.max_limit)
        offset["schema"] = integer_schema(minimum=0, maximum=self.max_offset)
        return [limit, offset]


class CursorPagination(pagination.CursorPagination):
    """Keyset pages for the long lists (incidents, events): `?cursor=` and `?limit=`.

    Each page is read from an index in the list's order, however deep the reader goes,
    and no page counts the whole table: the response has `next` and `previous` links
    (opaque cursors) and `results`, no `count`. `limit` has the same bounds as on every
    other list; a cursor that is not one of ours is a 400 naming `cursor`. A view sets
    `ordering` to a newest-first field its indexes cover, then `-id` to break ties.
    """

    page_size_query_param = "limit"
    max_page_size = MAX_LIMIT
    ordering = ("-created_at", "-id")

    def get_page_size(self, request):
        return bounded_int(request.query_params, self.page_size_query_param,
                           default=self.page_size, minimum=1, maximum=self.max_page_size)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({self.cursor_query_param: [
                "Use the `next` or `previous` link of an earlier page."]}) from exc

    def get_schema_operation_parameters(self, view):
        cursor, limit = super().get_schema_operation_parameters(view)
        cursor["description"] = "Where the page starts: the `next` or `previous` link's cursor."
        limit["description"] = (f"Number of results to return per page (1 to {self.max_page_size}"
                                f", default {self.page_size}).")
        limit["schema"] = integer_schema(minimum=1, maximum=self.max_page_size)
        return [cursor, limit]
