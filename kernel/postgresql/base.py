"""Django's PostgreSQL backend with a cheaper health check of a kept connection.

Django checks a persistent connection (CONN_HEALTH_CHECKS) at its first use in each
request or task by sending `SELECT 1`: one more round trip to the server in every request
(one in six of an event's, bench/RESULTS.md). A connection PostgreSQL has dropped (a
restart, `pg_terminate_backend`, a failover or a relay that closed it) is one whose socket
is readable while the connection is idle: the server's last words (a FATAL notice) or the
end of the stream. So an idle connection with nothing to read is taken as healthy without
asking the server; only one with something to read is asked (`SELECT 1`), and closed and
replaced if that fails. What neither check can see is a peer that vanished without a word
(a cut cable): `SELECT 1` would then hang as the request's own first query does.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        if not readable:
            return True
        return super().is_usable()  # something arrived unasked: ask the server
