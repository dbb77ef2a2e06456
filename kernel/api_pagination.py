"""The one pagination of API lists: `?limit=&offset=`, strictly parsed and bounded.

DRF's LimitOffsetPagination ignores a bad `limit` and has no upper bound, so a huge
one reached the database as a slice it could not hold. Here a `limit` outside 1..200 or
an `offset` outside 0..2**31-1 is a 400 naming the parameter, and the schema documents
the same bounds. Other pagination styles (e.g. a cursor for long lists) subclass this
module's parsing, not DRF's.
"""

from rest_framework import pagination

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
