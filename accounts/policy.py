"""The one permission policy: who may see and do what.

Portal views, the admin console and the API all ask these functions, and
row-level visibility is applied by each model's `QuerySet.visible_to(user)`,
which calls back here. A new rule is written once, in this module.

Roles (accounts.models.Role):
- Market Participant user: sees its own organisation's records only.
- CDS Provider user: sees what is assigned or addressed to its organisation.
- Service Desk agent: sees and works everything (1st line, 24x7).
- Switching Operations: everything the desk can, plus catalogue, organisations,
  API tokens, targets, reports.
- Auditor: reads everything internal, changes nothing.
"""

from .models import Role


def _active(user):
    return bool(user and user.is_authenticated and user.is_active)


def role_of(user):
    """Return the user's Role, or None for anonymous/inactive users."""
    if not _active(user):
        return None
    if user.is_superuser:
        return Role.SWITCHING_OPERATIONS
    return user.role


def is_internal(user):
    """Return True for the desk, Switching Operations, auditors and superusers."""
    return role_of(user) in {Role.SERVICE_DESK, Role.SWITCHING_OPERATIONS, Role.AUDITOR}


def is_desk(user):
    """Return True if the user works incidents: desk agents and Switching Operations."""
    return role_of(user) in {Role.SERVICE_DESK, Role.SWITCHING_OPERATIONS}


def is_operations(user):
    return role_of(user) == Role.SWITCHING_OPERATIONS


def is_auditor(user):
    return role_of(user) == Role.AUDITOR


def is_participant(user):
    return role_of(user) == Role.MARKET_PARTICIPANT


def is_provider(user):
    return role_of(user) == Role.CDS_PROVIDER


def may_use_console(user):
    """Return True if the user may open the admin console (internal staff, not system accounts)."""
    return is_internal(user) and not user.is_system_account


def may_change_in_console(user):
    """Return True if the user may change records in the console (auditors read only)."""
    return may_use_console(user) and not is_auditor(user)


def may_manage_reference_data(user):
    """Return True if the user may edit organisations, users, the service catalogue and tokens."""
    return is_operations(user)


def may_manage_api_tokens(user):
    return is_operations(user)


def organisation_scope(user):
    """Return the organisation id a non-internal user's rows are limited to, or None (see nothing).

    QuerySets call this for users who are not internal; None must give `.none()`.
    """
    if not _active(user):
        return None
    return user.organisation_id


def same_organisation(user, organisation_id):
    return _active(user) and user.organisation_id is not None and user.organisation_id == organisation_id


def may_view_organisation(user, organisation):
    return is_internal(user) or same_organisation(user, organisation.pk)


def may_read_catalogue(user):
    """Return True if the user may read the service catalogue (every signed-in party may)."""
    return _active(user)
