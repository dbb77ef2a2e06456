"""The dependency graph of the catalogue (ServiceDependency.objects.graph() loads it in one query).

Used for impact (which services are at risk when one is down), service
status derivation and change-conflict detection. The catalogue has tens of
services, so the whole edge list fits comfortably in memory.
"""

from collections import defaultdict


class DependencyGraph:
    def __init__(self, edges):
        """Build from (service_id, depends_on_id) pairs."""
        self.needs = defaultdict(set)  # service -> services it depends on
        self.needed_by = defaultdict(set)  # service -> services that depend on it
        for service_id, depends_on_id in edges:
            self.needs[service_id].add(depends_on_id)
            self.needed_by[depends_on_id].add(service_id)

    @staticmethod
    def _walk(start_ids, adjacency):
        seen, stack = set(), list(start_ids)
        while stack:
            node = stack.pop()
            for nxt in adjacency.get(node, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    def upstream(self, service_ids):
        """Return ids the given services need, transitively (excluding themselves unless cyclic)."""
        return self._walk(service_ids, self.needs)

    def downstream(self, service_ids):
        """Return ids of services that need the given ones, transitively."""
        return self._walk(service_ids, self.needed_by)

    def creates_cycle(self, service_id, depends_on_id):
        """Return True if adding `service_id needs depends_on_id` would close a cycle."""
        return service_id == depends_on_id or service_id in self.upstream({depends_on_id})

    def related(self, a_id, b_id):
        """Return True if one of two services depends on the other, directly or transitively."""
        return a_id in self.upstream({b_id}) or b_id in self.upstream({a_id})
