"""The active resolver groups, kept in each process's memory.

Every agent's incident workspace offers them (hand to a group, add a provider task), and
they change when an organisation is onboarded or switched off: a list in the process
(kernel.process_cache: dropped by every process within a second of a change to an
Organisation) instead of a query per page.
"""

from kernel.process_cache import ProcessCache

from .models import Organisation

RESOLVER_GROUPS = ProcessCache("accounts.resolver-groups")


def active_resolver_groups():
    """Return the active resolver groups in the organisations' order (shared by the
    process's threads: read them, never change them)."""
    return RESOLVER_GROUPS.get(
        "active", lambda: list(Organisation.objects.resolver_groups().filter(is_active=True)))
