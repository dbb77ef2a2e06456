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
    """Return True for a signed-in account whose organisation is active (User.has_access)."""
    return bool(user and user.is_authenticated and user.has_access)


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


def must_use_two_factor(user):
    """Return True if the user must pass a second factor to sign in (all but participants)."""
    return role_of(user) in {Role.SERVICE_DESK, Role.SWITCHING_OPERATIONS, Role.CDS_PROVIDER,
                             Role.AUDITOR}


def may_review_access(user, organisation_id):
    """Return True for the organisation's administrators, and Switching Operations for any."""
    if is_operations(user):
        return True
    return same_organisation(user, organisation_id) and user.is_org_admin


def may_read_catalogue(user):
    """Return True if the user may read the service catalogue (every signed-in party may)."""
    return _active(user)


# --- servicestatus ---
def may_set_service_status(user):
    """Return True if the user may set a service's status by hand (desk and Operations)."""
    return is_desk(user)


def may_publish_bulletin(user):
    return is_desk(user)


def bulletin_audiences_for(user):
    """Return the bulletin audiences `user` belongs to (internal staff: all; anonymous: none)."""
    role = role_of(user)
    if role is None:
        return set()
    if is_internal(user):
        return {"public", "participants", "market_role", "providers", "internal"}
    if role == Role.MARKET_PARTICIPANT:
        return {"public", "participants", "market_role"}
    if role == Role.CDS_PROVIDER:
        return {"public", "participants", "providers"}
    return {"public"}


def may_manage_webhooks(user, organisation_id):
    """Return True for the organisation's own administrators (and Switching Operations)."""
    if is_operations(user):
        return True
    return same_organisation(user, organisation_id) and user.is_org_admin


def may_post_event(user, service):
    """Return True if `user` (a provider's API account) may report events for `service`."""
    return is_provider(user) and same_organisation(user, service.provider_id)


def may_review_events(user):
    return is_desk(user)


# --- knowledge ---
def may_author_knowledge(user):
    """Return True if the user may write, submit, review, publish and retire articles."""
    return may_change_in_console(user)


def may_give_knowledge_feedback(user):
    """Return True if the user may rate an article or report a problem with it (people only)."""
    return _active(user) and not user.is_system_account


# --- changes ---
def may_submit_change_notifications(user):
    """Return True if the user may raise change notifications: providers, and the desk or
    Switching Operations recording one on a provider's behalf (not auditors)."""
    return is_provider(user) or is_desk(user)


def may_work_change_notification(user, change_notification):
    """Return True if the user may do the provider's steps (edit draft, submit, start...)."""
    if is_desk(user):
        return True
    return is_provider(user) and same_organisation(user, change_notification.provider_id)


def may_coordinate_changes(user):
    """Return True if the user decides on changes (assess, approve, reject, review, close) and
    manages freezes, notice rules and Change Co-ordination Group meetings."""
    return is_operations(user)


def may_read_change_schedule(user):
    """Return True if the user may read the published Forward Schedule of Change (all parties)."""
    return _active(user)


# --- demand ---
def may_submit_forecast(user):
    """Return True if the user may submit non-BAU demand forecasts (participants, providers)."""
    return is_participant(user) or is_provider(user)


def may_decide_demand(user):
    """Return True if the user sets capacity, records outcomes and shares forecasts (s.8.20)."""
    return is_operations(user)


def may_report_actuals(user):
    """Return True if the user may report actual volumes (providers, for their own services)."""
    return is_provider(user) or is_operations(user)


def may_view_risks(user):
    return is_internal(user)


def may_manage_risks(user):
    """Return True if the user may raise, assess and move risks (Switching Operations)."""
    return is_operations(user)


def demand_view_of_service(user, service):
    """Return how `user` sees demand on `service`: "all", "aggregate", "own" or None.

    Internal staff see every forecast; the service's provider sees totals only;
    participants (and other providers) see their own organisation's forecasts.
    """
    if is_internal(user):
        return "all"
    if is_provider(user) and service.provider_id == user.organisation_id:
        return "aggregate"
    if is_participant(user) or is_provider(user):
        return "own"
    return None


# --- incidents ---
def may_raise_incident(user):
    """Return True for participants, providers and the desk (auditors only read)."""
    return is_participant(user) or is_provider(user) or is_desk(user)


def may_work_incident(user):
    """Return True if the user triages: severity, assignment, any transition, work notes."""
    return is_desk(user)


def may_read_work_notes(user):
    """Return True for internal staff; participants and providers never see work notes."""
    return is_internal(user)


def may_comment_on_incident(user, incident):
    """Return True for the desk, the raising organisation and the currently assigned provider."""
    if is_desk(user):
        return True
    if is_participant(user) or is_provider(user):
        return same_organisation(user, incident.organisation_id) or (
            is_provider(user) and same_organisation(user, incident.assigned_group_id))
    return False


# What a raising organisation may do to its own incident, and the assigned provider.
_RAISER_MOVES = {("resolved", "closed"), ("resolved", "in_progress"), ("new", "cancelled")}
_PROVIDER_MOVES = {("in_progress", "resolved"), ("pending", "resolved")}


def may_transition_incident(user, incident, to_status):
    """Return True if the user may ask for this move (the model still checks it is allowed)."""
    if is_desk(user):
        return True
    move = (incident.status, to_status)
    if same_organisation(user, incident.organisation_id) and move in _RAISER_MOVES:
        return is_participant(user) or is_provider(user)
    if is_provider(user) and same_organisation(user, incident.assigned_group_id):
        return move in _PROVIDER_MOVES
    return False


def may_replay_sla(user):
    return is_operations(user)


def may_declare_major_incident(user):
    return is_desk(user)


# --- servicerequests ---
def may_raise_service_request(user):
    """Return True for people who may ask for catalogue items (the desk raises on behalf)."""
    return is_participant(user) or is_provider(user) or is_desk(user)


def may_raise_request_on_behalf(user):
    """Return True for the desk and Operations, who record phone and email requests."""
    return is_desk(user)


def may_work_service_requests(user):
    """Return True if the user starts, fulfils and closes requests (desk and Operations)."""
    return is_desk(user)


def may_approve_service_request(user, service_request):
    """Return True if `user` holds the approver role the request's item names.

    Nobody approves a request they raised or that is for them (segregation of duties).
    """
    if not _active(user) or user.is_system_account or user.pk in (
            service_request.raised_by_id, service_request.requester_id):
        return False
    role = service_request.item.approver_role
    if role == "operations":
        return is_operations(user)
    if role == "org_admin":
        return (user.is_org_admin and not is_internal(user)
                and same_organisation(user, service_request.organisation_id))
    return False


def may_work_request_task(user, task):
    """Return True for the desk, and for users of the group a fulfilment task is handed to."""
    if is_desk(user):
        return True
    return is_provider(user) and same_organisation(user, task.assigned_group_id)


def may_cancel_service_request(user, service_request):
    """Return True for the desk, the requester, the raiser and the organisation's admins."""
    if is_desk(user):
        return True
    if is_auditor(user) or not same_organisation(user, service_request.organisation_id):
        return False
    return user.is_org_admin or user.pk in (service_request.requester_id,
                                            service_request.raised_by_id)


# --- reporting ---
def may_read_internal_reports(user):
    """Return True for Switching Operations and auditors: full reports, reconciliation, CSI."""
    return is_operations(user) or is_auditor(user)


def may_generate_reports(user):
    return is_operations(user)


def may_submit_kpi_return(user):
    """Return True for CDS providers (their own organisation's monthly KPI summary)."""
    return is_provider(user)


def may_manage_csi(user):
    return is_operations(user)


def may_view_ops_dashboard(user):
    """Return True for internal staff (the desk watches it too; auditors read it)."""
    return is_internal(user)
