"""The active resolver groups and the incident managers, kept in each process's memory.

Every agent's incident workspace offers them (hand to a group, add a provider task, give
the incident to a person, name a major incident's manager), and they change when an
organisation is onboarded or switched off, or a person joins, leaves or changes role: a
list in the process (kernel.process_cache: dropped by every process within a second of a
change) instead of a query per page.
"""

from kernel.process_cache import ProcessCache

from .models import Organisation, User

RESOLVER_GROUPS = ProcessCache("accounts.resolver-groups")
PEOPLE = ProcessCache("accounts.people")


def active_resolver_groups():
    """Return the active resolver groups in the organisations' order (shared by the
    process's threads: read them, never change them)."""
    return RESOLVER_GROUPS.get(
        "active", lambda: list(Organisation.objects.resolver_groups().filter(is_active=True)))


def incident_managers():
    """Return User.objects.incident_managers() by username (shared by the process's
    threads: read them, never change them)."""
    return PEOPLE.get("incident-managers", lambda: list(User.objects.incident_managers()))


def forget_people(sender, update_fields=None, **kwargs):
    """A User post_save/post_delete receiver: drop the lists of people, except when a
    sign-in only stamped last_login (every sign-in does; nothing listed changes)."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    PEOPLE.invalidate_on_change()
