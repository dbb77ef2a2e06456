"""Page counts for the console and portal lists that never count a whole large table.

`Paginator` counts every matching row on each page view; over a million incidents that
COUNT(*) was most of the page's time. `EstimatedCountPaginator` counts exactly only up to
`EXACT_UP_TO` rows (a bounded count reads at most that many index entries), and above
that takes PostgreSQL's planner estimate for the same query, so the page shows
"about N" at the same cost whatever the table's size. `count_is_estimated` says which.
"""

import json

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

EXACT_UP_TO = 1000


def planner_estimate(queryset):
    """Return PostgreSQL's estimate of the rows `queryset` matches, or None elsewhere."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    count_is_estimated = False

    @cached_property
    def count(self):
        object_list = self.object_list
        if not hasattr(object_list, "query"):  # a list, not a queryset
            return len(object_list)
        exact = object_list.order_by()[:EXACT_UP_TO + 1].count()
        if exact <= EXACT_UP_TO:
            return exact
        self.count_is_estimated = True
        return max(planner_estimate(object_list) or 0, exact)
