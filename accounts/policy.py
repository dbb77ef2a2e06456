"""The one permission policy: who may see and do what.

Portal views, the admin console and the API all ask these functions, and
row-level visibility ("which rows of this model may this user see") is declared
here too, one rule per model at the end of this module; each model's
`QuerySet.visible_to(user)` applies it (`VisibleQuerySet`). A new rule is
written once, in this module, and a model without a rule refuses to answer.

Roles (accounts.models.Role):
- Market Participant user: sees its own organisation's records only.
- CDS Provider user: sees what is assigned or addressed to its organisation.
- Service Desk agent: sees and works everything (1st line, 24x7).
- Switching Operations: everything the desk can, plus catalogue, organisations,
  API tokens, targets, reports.
- Auditor: reads everything internal, changes nothing.
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast

from .roles import Role


def _active(user):
    """Return True for a signed-in account whose organisation is active (User.has_access)."""
    return bool(user and user.is_authenticated and user.has_access)


def role_of(user):
    """Return the user's Role, or None for anonymous/inactive users.

    Every rule starts here, so a console page asks it a hundred times or more; the answer
    is kept on the user object (one per request) and recomputed whenever a field it
    depends on changes on that object.
    """
    if user is None or not user.is_authenticated:
        return None
    state = getattr(user, "_state", None)
    organisation = state.fields_cache.get("organisation") if state is not None else None
    key = (user.is_active, user.is_superuser, user.role, user.organisation_id,
           organisation.is_active if organisation is not None else None)
    kept = getattr(user, "_policy_role", None)
    if kept is not None and kept[0] == key:
        return kept[1]
    role = None
    if _active(user):
        role = Role.SWITCHING_OPERATIONS if user.is_superuser else user.role
    user._policy_role = (key, role)
    return role


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


# --- knowledge: problems worked by providers, and what providers contribute ---
def may_coordinate_problems(user):
    """Return True if the user co-ordinates problems across providers (assigns investigations,
    links the fixing change, moves the problem): the desk and Switching Operations."""
    return may_author_knowledge(user)


def may_work_investigation(user, investigation):
    """Return True for the provider the investigation is handed to (its own people and API
    accounts), and for the desk or Switching Operations recording on its behalf."""
    if is_desk(user):
        return True
    return is_provider(user) and same_organisation(user, investigation.provider_id)


def may_record_known_error(user, investigation):
    """Return True if the user may make the problem a known error from this investigation:
    the owning provider (it leads the investigation) or the desk."""
    return may_work_investigation(user, investigation) and (
        is_desk(user) or investigation.role == "owner")


def may_contribute_knowledge(user):
    """Return True for CDS providers, who draft articles and known errors for the desk (s.9.6)."""
    return is_provider(user)


def may_review_contributions(user):
    """Return True for those who accept, return or decline providers' contributions (the desk)."""
    return may_author_knowledge(user)


def may_take_contribution_action(user, contribution, action):
    """Return True if `user` may take `action` on the contribution (ignoring its state)."""
    if action in contribution.DESK_ACTIONS:
        return may_review_contributions(user)
    if action in contribution.PROVIDER_ACTIONS:
        return is_provider(user) and same_organisation(user, contribution.organisation_id)
    return False


def may_raise_provider_risk(user):
    """Return True for CDS providers, who communicate Switching service risks (s.9.3)."""
    return is_provider(user)


def may_suggest_improvement(user):
    """Return True for CDS providers, who provide service quality improvement
    recommendations for the CSI register (s.9.8)."""
    return is_provider(user)


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


def may_answer_consultation(user, consultation):
    """Return True for the desk and the users of the provider the consultation asks."""
    return is_desk(user) or (is_provider(user)
                             and same_organisation(user, consultation.organisation_id))


def may_read_change_schedule(user):
    """Return True if the user may read the published Forward Schedule of Change (all parties)."""
    return _active(user)


def may_declare_participant_outage(user):
    """Return True if the user may declare an outage of a participant's own systems: the
    participant's people, and the desk recording one told by phone (not auditors)."""
    return is_participant(user) or is_desk(user)


def may_manage_participant_outage(user, outage):
    """Return True if the user may revise, begin, end or cancel the outage: its own
    organisation's participants, and the desk."""
    if is_desk(user):
        return True
    return is_participant(user) and same_organisation(user, outage.organisation_id)


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
    """Return True for the desk, the raising organisation, the assigned provider and a
    provider with an open task on the incident."""
    if is_desk(user):
        return True
    if is_participant(user) or is_provider(user):
        return same_organisation(user, incident.organisation_id) or (
            is_provider(user) and (same_organisation(user, incident.assigned_group_id)
                                   or has_open_task(user, incident)))
    return False


def has_open_task(user, incident):
    """Return True if the user's organisation holds an open provider task on the incident."""
    return _active(user) and incident.tasks.filter(
        resolver_group_id=user.organisation_id, ended_at__isnull=True).exists()


def may_work_task(user, task):
    """Return True for the desk and people of the task's resolver group (providers' own)."""
    if is_desk(user):
        return True
    return is_provider(user) and same_organisation(user, task.resolver_group_id)


def may_manage_master_incidents(user):
    """Return True if the user may link children to a master incident, or unlink them."""
    return is_desk(user)


def may_join_incident(user):
    """Return True for participants, who may add their organisation's impact to an incident."""
    return is_participant(user)


def may_communicate_incident(user):
    """Return True if the user may send the market communications about an incident."""
    return is_desk(user)


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


def is_security_contact(user):
    """Return True for a participant's or provider's person flagged as a security contact."""
    return ((is_participant(user) or is_provider(user)) and not user.is_system_account
            and user.is_security_contact)


def may_raise_security_incident(user):
    """Return True for the desk and security contacts: a security incident is only ever
    raised by someone who may go on seeing it (see the incidents rule below)."""
    return is_desk(user) or is_security_contact(user)


def may_classify_security_incident(user):
    """Return True if the user may mark an incident as a security incident or release one to
    public status and bulletins (the desk and Switching Operations)."""
    return is_desk(user)


def may_report_reconciliation(user, item):
    """Return True if the user may report progress on a reconciliation item: the affected
    party's own participants or providers, and the desk recording it on their behalf."""
    if is_desk(user):
        return True
    return (is_participant(user) or is_provider(user)) and same_organisation(
        user, item.organisation_id)


def may_sign_off_reconciliation(user, item):
    """Return True only for the affected party's own people: the sign-off is theirs."""
    return (is_participant(user) or is_provider(user)) and same_organisation(
        user, item.organisation_id)


def may_waive_reconciliation(user):
    """Return True for Switching Operations, who may waive an item with a reason."""
    return is_operations(user)


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


def may_comment_on_service_request(user, service_request):
    """Return True for the desk, the request's organisation and a provider holding a task on it.

    Auditors read and never write; a closed or cancelled request takes no more comments
    (the caller checks the status, this answers who).
    """
    if is_desk(user):
        return True
    if is_auditor(user) or not _active(user) or user.is_system_account:
        return False
    if same_organisation(user, service_request.organisation_id):
        return True
    return is_provider(user) and service_request.tasks.filter(
        assigned_group_id=user.organisation_id).exists()


# --- reporting ---
def may_read_internal_reports(user):
    """Return True for Switching Operations and auditors: full reports, reconciliation, CSI."""
    return is_operations(user) or is_auditor(user)


def may_generate_reports(user):
    return is_operations(user)


def may_submit_kpi_return(user, provider=None):
    """Return True for CDS providers (their own organisation's monthly KPI summary); with
    `provider`, only for that organisation's own users."""
    return is_provider(user) and (provider is None or same_organisation(user, provider.pk))


def may_manage_csi(user):
    return is_operations(user)


def may_manage_provider_records(user):
    """Return True if the user keeps provider records and runs service reviews (Operations)."""
    return is_operations(user)


def may_complete_review_action(user, action):
    """Return True for Switching Operations and the review action's owner."""
    return is_operations(user) or (_active(user) and action.owner_id == user.pk)


def may_view_ops_dashboard(user):
    """Return True for internal staff (the desk watches it too; auditors read it)."""
    return is_internal(user)


def may_edit_incident_details(user, incident):
    """Return True for the desk, and the raising organisation while the incident is New."""
    if may_work_incident(user):
        return True
    return (same_organisation(user, incident.organisation_id) and incident.status == "new"
            and not is_auditor(user))


# --- continuity (s.9.4, s.11.40-11.42) ---
def may_manage_continuity(user):
    """Return True if the user writes continuity plans and the Crisis Management Team."""
    return is_operations(user)


def may_record_dr_test(user, plan):
    """Return True for Switching Operations and the users of the plan's service's provider."""
    return is_operations(user) or (is_provider(user)
                                   and same_organisation(user, plan.service.provider_id))


def may_complete_recovery_action(user, action):
    """Return True for Switching Operations and the action's owner."""
    return is_operations(user) or (_active(user) and action.owner_id == user.pk)


def may_keep_crisis_log(user):
    """Return True for those who log and stand down a crisis (the desk and Operations)."""
    return is_desk(user)


# --- changes: who takes which step -------------------------------------------
# The provider's steps may also be recorded by the desk or Switching Operations on the
# provider's behalf; the co-ordinator's are Switching Operations' alone.
CHANGE_PROVIDER_ACTIONS = {"submit", "withdraw", "start", "complete", "fail", "back_out"}
CHANGE_COORDINATOR_ACTIONS = {"assess", "approve", "reject", "review", "close",
                              "approve_retrospectively"}


def may_take_change_action(user, change_notification, action):
    """Return True if `user` may take `action` on the notification (ignoring its state)."""
    if action in CHANGE_COORDINATOR_ACTIONS:
        return may_coordinate_changes(user)
    if action in CHANGE_PROVIDER_ACTIONS:
        return may_work_change_notification(user, change_notification)
    return False


# --- who may see which rows ---------------------------------------------------
# One rule per model, registered with @rule_for("app.Model"). A rule takes the user and
# returns a Scope: ALL, NONE, or filters built from field names, never from the model
# classes (the apps sit above accounts). The default for any case a rule does not name
# is NONE, so a forgotten case fails closed.
class Scope:
    """The rows of a queryset one user may see: `scope(queryset)` returns them."""

    def __init__(self, narrow):
        self._narrow = narrow

    def __call__(self, queryset):
        return self._narrow(queryset)

    def __or__(self, other):
        if self is ALL or other is ALL:
            return ALL
        if other is NONE:
            return self
        if self is NONE:
            return other
        return Scope(lambda qs: self(qs) | other(qs))

    def __and__(self, other):
        if self is NONE or other is NONE:
            return NONE
        if other is ALL:
            return self
        if self is ALL:
            return other
        return Scope(lambda qs: other(self(qs)))


ALL = Scope(lambda qs: qs)
NONE = Scope(lambda qs: qs.none())
_RULES = {}


def rule_for(label):
    """Register the decorated function as the visibility rule of model `label`."""

    def register(rule):
        _RULES[label.lower()] = rule
        return rule

    return register


def visible(queryset, user):
    """Return the rows of `queryset` that `user` may see, by its model's rule."""
    label = queryset.model._meta.label_lower
    if label not in _RULES:
        raise LookupError(f"No visibility rule for {label}: declare one in accounts.policy.")
    return _RULES[label](user)(queryset)


class VisibleQuerySet(models.QuerySet):
    """Base of every queryset people read through: `visible_to(user)` applies the rule."""

    def visible_to(self, user):
        return visible(self, user)


def named(method):
    """Return the rows the model's own queryset method `method()` returns (e.g. "live")."""
    return Scope(lambda qs: getattr(qs, method)())


def where(*conditions, **lookups):
    """Return the rows matching `lookups` (field names of the model the rule is for)."""
    return Scope(lambda qs: qs.filter(*conditions, **lookups))


def belonging_to(organisation_id, *paths):
    """Return the rows where any of `paths` leads to the organisation.

    A path is a field lookup (`organisation`, `service__provider`); one that starts with a
    one-to-many relation (`tasks__resolver_group`) is asked as EXISTS, so a row is never
    repeated and no DISTINCT is needed.
    """
    if not organisation_id:
        return NONE

    def narrow(qs):
        condition = Q(pk__in=[])
        for path in paths:
            head, _, rest = path.partition("__")
            field = None if head == "pk" else qs.model._meta.get_field(head)
            if field is not None and field.one_to_many:
                related = field.related_model._base_manager.filter(
                    **{field.field.name: OuterRef("pk"), rest: organisation_id})
                condition |= Q(Exists(related))
            else:
                condition |= Q(**{path: organisation_id})
        return qs.filter(condition)

    return Scope(narrow)


def within(field, user):
    """Return the rows whose `field` points at a row `user` may see (by that model's rule)."""

    def narrow(qs):
        parent = qs.model._meta.get_field(field).related_model
        return qs.filter(**{f"{field}__in": visible(parent._default_manager.all(), user)})

    return Scope(narrow)


def _own(user, *paths):
    return belonging_to(organisation_scope(user), *paths)


def _internal_only(user):
    return ALL if is_internal(user) else NONE


def reads_active_catalogue(user):
    """Return True if `user` reads every active service (the catalogue rule below)."""
    return is_internal(user) or may_read_catalogue(user)


def _catalogue(user):
    """Reference data every signed-in party reads (staff also see what is switched off)."""
    if is_internal(user):
        return ALL
    return named("active") if reads_active_catalogue(user) else NONE


# The audited models that speak of one incident, and the path from each to it: an audit
# entry about one of them is hidden from whoever may not see that incident (an auditor and
# a security incident), so the audit trail is no way round the incidents rule.
AUDITED_INCIDENT_PATHS = {
    "incidents.Incident": "pk", "incidents.IncidentComment": "incident",
    "incidents.IncidentAttachment": "incident", "incidents.IncidentLink": "from_incident",
    "incidents.ProviderTask": "incident", "incidents.MajorIncident": "incident",
    "incidents.Communication": "incident",
    "incidents.PostIncidentReview": "major_incident__incident",
    "continuity.CrisisInvocation": "incident",
}


@rule_for("accounts.AuditEntry")
def _audit_entries(user):
    """Internal staff read the audit trail, less the entries about incidents (and their
    parts) the incidents rule hides from them; nobody else reads it."""
    if not is_internal(user):
        return NONE
    if is_desk(user):
        return ALL

    def narrow(qs):
        incidents = apps.get_model("incidents.Incident")._default_manager
        hidden = incidents.exclude(pk__in=visible(incidents.all(), user))
        for label, path in AUDITED_INCIDENT_PATHS.items():
            model = apps.get_model(label)
            rows = model._default_manager.filter(**{f"{path}__in": hidden.values("pk")})
            qs = qs.exclude(content_type=ContentType.objects.get_for_model(model),
                            object_id__in=rows.annotate(key=Cast("pk", CharField()))
                            .values("key"))
        return qs

    return Scope(narrow)


# accounts
@rule_for("accounts.Organisation")
def _organisations(user):
    """Internal staff all; everyone else its own organisation."""
    return ALL if is_internal(user) else _own(user, "pk")


@rule_for("accounts.User")
@rule_for("accounts.ApiToken")
def _organisation_rows(user):
    """Internal staff all; everyone else its own organisation's."""
    return ALL if is_internal(user) else _own(user, "organisation")


# services
rule_for("services.Service")(_catalogue)
rule_for("changes.ChangeFreeze")(_catalogue)  # published with the schedule


@rule_for("servicestatus.ServiceState")
@rule_for("servicestatus.StatusInterval")
def _service_rows(user):
    """Status of the services the user may read."""
    return within("service", user)


# incidents
@rule_for("incidents.Incident")
def _incidents(user):
    """Who sees which incidents: the parties' rule, then the security-incident limit."""
    return _incident_parties(user) & _security_incident_limit(user)


def _incident_parties(user):
    """Internal staff all; a participant its organisation's; a provider its organisation's and
    those it ever had a task on (any provider task)."""
    if is_internal(user):
        return ALL
    if is_participant(user):
        return _own(user, "organisation")
    if is_provider(user):
        return _own(user, "organisation", "tasks__resolver_group")
    return NONE


def _security_incident_limit(user):
    """Information security incidents (s.9.4) only to the desk, Switching Operations, the
    provider they are handed to (any assignment leg) and the raising organisation's security
    contacts. Nobody else, auditors and API tokens included; other incidents are unaffected."""
    if is_desk(user):
        return ALL
    limit = where(~Q(kind="security"))
    if is_provider(user):
        limit |= _own(user, "tasks__resolver_group") & where(kind="security")
    if is_security_contact(user):
        limit |= _own(user, "organisation") & where(kind="security")
    return limit


@rule_for("incidents.ProviderTask")
def _provider_tasks(user):
    """Internal staff all; a provider its own group's tasks; participants none."""
    if is_internal(user):
        return ALL
    if is_provider(user):
        return _own(user, "resolver_group")
    return NONE


@rule_for("incidents.ProviderTaskNote")
def _provider_task_notes(user):
    return within("task", user)


@rule_for("incidents.AffectedOrganisation")
def _affected_organisations(user):
    """Internal staff all; everyone else its own organisation's."""
    return ALL if is_internal(user) else _own(user, "organisation")


@rule_for("incidents.Communication")
def _communications(user):
    """Internal staff all; everyone else those on incidents they may see, a master's on the
    master of an incident they may see (a child shows its master's updates), and those on
    incidents their organisation joined."""
    if is_internal(user):
        return ALL

    def of_masters(qs):
        incidents = qs.model._meta.get_field("incident").related_model._default_manager
        masters = incidents.filter(children__in=visible(incidents.all(), user))
        return qs.filter(incident__in=masters.values("pk"))

    joined = _own(user, "incident__affected_organisations__organisation")
    return within("incident", user) | Scope(of_masters) | joined


@rule_for("incidents.IncidentComment")
def _incident_comments(user):
    """Comments on incidents the user may see; work notes for internal staff only."""
    notes = ALL if may_read_work_notes(user) else where(is_public=True)
    return within("incident", user) & notes


@rule_for("incidents.ReconciliationItem")
def _reconciliation_items(user):
    """Internal staff all; a participant or provider its own organisation's items only."""
    if is_internal(user):
        return ALL
    if is_participant(user) or is_provider(user):
        return _own(user, "organisation")
    return NONE


@rule_for("incidents.ReconciliationProgress")
@rule_for("incidents.ReconciliationTransition")
def _reconciliation_rows(user):
    return within("item", user)


# servicerequests
@rule_for("servicerequests.ServiceRequest")
def _service_requests(user):
    """Internal staff all; a participant its organisation's; a provider its organisation's
    and those with a fulfilment task handed to it."""
    if is_internal(user):
        return ALL
    if is_participant(user):
        return _own(user, "organisation")
    if is_provider(user):
        return _own(user, "organisation", "tasks__assigned_group")
    return NONE


@rule_for("servicerequests.FulfilmentTask")
def _request_tasks(user):
    return within("request", user)


# changes
@rule_for("changes.ChangeNotification")
def _change_notifications(user):
    """Internal staff all; a provider its own; participants none here (they read the
    published schedule)."""
    if is_internal(user):
        return ALL
    return _own(user, "provider") if is_provider(user) else NONE


@rule_for("changes.ConsultationRequest")
def _consultations(user):
    """Internal staff all; a provider those addressed to its organisation."""
    if is_internal(user):
        return ALL
    return _own(user, "organisation") if is_provider(user) else NONE


@rule_for("changes.ParticipantOutage")
def _participant_outages(user):
    """Internal staff all; a participant its own organisation's, and others' published to
    every market party; a provider every published one (both audiences include it). Contact
    details of another party's outage are shown to internal staff only (the views)."""
    if is_internal(user):
        return ALL
    published = named("published")
    if is_participant(user):
        return _own(user, "organisation") | (published & where(audience="market"))
    if is_provider(user):
        return published
    return NONE


@rule_for("changes.OutageTransition")
@rule_for("changes.OutageWarning")
def _outage_rows(user):
    return within("outage", user)


rule_for("changes.CoordinationMeeting")(_internal_only)
rule_for("changes.NoticePeriodRule")(_internal_only)


# servicestatus
@rule_for("servicestatus.Event")
def _events(user):
    """Internal staff all; a provider the events it reported."""
    if is_internal(user):
        return ALL
    return _own(user, "organisation") if is_provider(user) else NONE


@rule_for("servicestatus.Bulletin")
def _bulletins(user):
    """Internal staff all; others the published bulletins of their audiences (a market-role
    bulletin only to that role). Anonymous visitors none (the public page reads public())."""
    if is_internal(user):
        return ALL
    audiences = bulletin_audiences_for(user)
    if not audiences:
        return NONE
    allowed = Q(audience__in=audiences - {"market_role"})
    if "market_role" in audiences:
        allowed |= Q(audience="market_role", market_role=user.organisation.market_role)
    return where(allowed, status="published")


@rule_for("servicestatus.Subscription")
def _subscriptions(user):
    """Each person their own subscriptions only."""
    return where(user=user.pk) if _active(user) else NONE


@rule_for("servicestatus.WebhookEndpoint")
def _webhook_endpoints(user):
    """Internal staff all; an organisation's users its own endpoints."""
    return ALL if is_internal(user) else _own(user, "organisation")


@rule_for("servicestatus.WebhookDelivery")
def _webhook_deliveries(user):
    return within("endpoint", user)


# knowledge
def _audience(user, prefix):
    """The published audiences `user` belongs to. Anonymous visitors and unknown roles get
    public articles only; a participant without a market role no market-role articles."""
    if is_internal(user):
        return ALL
    allowed = Q(**{f"{prefix}audience": "public"})
    if is_participant(user):
        allowed |= Q(**{f"{prefix}audience": "participants"})
        market_role = getattr(getattr(user, "organisation", None), "market_role", "")
        if market_role:
            allowed |= Q(**{f"{prefix}audience": "market_role",
                            f"{prefix}audience_market_role": market_role})
    elif is_provider(user):
        allowed |= Q(**{f"{prefix}audience": "providers"})
    return where(allowed)


@rule_for("knowledge.PublishedArticle")
def _published_articles(user):
    """The published faces of live articles in the user's audiences (search reads these)."""
    return _audience(user, "")


@rule_for("knowledge.Article")
def _articles(user):
    """Live articles, by the audience they were reviewed and published to (a draft
    revision's audience counts only once it is published)."""
    return named("live") & _audience(user, "publication__")


@rule_for("knowledge.Problem")
def _problems(user):
    """Internal staff all; a provider those it owns or contributes to; participants none
    (they read the published known-error articles)."""
    if is_internal(user):
        return ALL
    if is_provider(user):
        return _own(user, "owning_provider", "provider_tasks__provider")
    return NONE


@rule_for("knowledge.ProviderInvestigation")
def _provider_investigations(user):
    """Internal staff all; a provider only its own organisation's investigations (never
    another provider's findings on the same problem)."""
    if is_internal(user):
        return ALL
    return _own(user, "provider") if is_provider(user) else NONE


@rule_for("knowledge.InvestigationEvidence")
def _investigation_evidence(user):
    return within("investigation", user)


@rule_for("knowledge.KnowledgeContribution")
def _knowledge_contributions(user):
    """Internal staff all; a provider its own organisation's drafts and submissions."""
    if is_internal(user):
        return ALL
    return _own(user, "organisation") if is_provider(user) else NONE


# demand
@rule_for("demand.Forecast")
def _forecasts(user):
    """Forecasts in full (with who submitted them): internal staff all; a participant or
    provider its own organisation's, and a provider also those Switching Operations shared
    with it (a ForecastShare row). Other demand on a provider's services it sees only in
    aggregate (policy.demand_view_of_service)."""
    if is_internal(user):
        return ALL
    if is_participant(user):
        return _own(user, "organisation")
    if is_provider(user):
        return _own(user, "organisation", "shares__organisation")
    return NONE


@rule_for("demand.CapacityThreshold")
def _capacity_thresholds(user):
    """Every signed-in party reads capacity (it is not secret)."""
    return ALL if may_read_catalogue(user) else NONE


@rule_for("demand.ExcessiveDemandAlert")
def _demand_alerts(user):
    """Internal staff all; a provider those on its services. Participants hear about their
    forecast's status on the forecast itself."""
    if is_internal(user):
        return ALL
    return _own(user, "service__provider") if is_provider(user) else NONE


@rule_for("demand.ActualVolume")
def _actual_volumes(user):
    """Internal staff all; a provider its services'; a participant its own volumes."""
    if is_internal(user):
        return ALL
    if is_provider(user):
        return _own(user, "service__provider")
    return _own(user, "participant") if is_participant(user) else NONE


@rule_for("demand.Risk")
def _risks(user):
    """The risk register is internal; a provider sees only the risks it raised."""
    if is_internal(user):
        return ALL
    return _own(user, "raised_by_organisation") if is_provider(user) else NONE


# continuity
@rule_for("continuity.ContinuityPlan")
def _continuity_plans(user):
    """Internal staff all; a provider the plans of its own services."""
    if is_internal(user):
        return ALL
    return _own(user, "service__provider") if is_provider(user) else NONE


@rule_for("continuity.ContinuityContact")
@rule_for("continuity.DisasterRecoveryTest")
def _continuity_plan_rows(user):
    return within("plan", user)


@rule_for("continuity.RecoveryAction")
def _recovery_actions(user):
    return within("test", user)


rule_for("continuity.CrisisTeamMember")(_internal_only)


@rule_for("continuity.CrisisInvocation")
def _crisis_invocations(user):
    """Internal staff and providers: the invocations of major incidents they may see."""
    if is_internal(user) or is_provider(user):
        return within("incident", user)
    return NONE


@rule_for("continuity.CrisisLogEntry")
def _crisis_log(user):
    return within("invocation", user)


# reporting
@rule_for("reporting.KpiReturn")
def _kpi_returns(user):
    """Internal staff all; a provider its own organisation's returns."""
    if is_internal(user):
        return ALL
    return _own(user, "provider") if is_provider(user) else NONE


@rule_for("reporting.ServiceReport")
def _service_reports(user):
    """Switching Operations and auditors every report; every other signed-in party (the desk
    included) only the published participant editions."""
    if may_read_internal_reports(user):
        return ALL
    if role_of(user) is None:
        return NONE
    return named("published")


@rule_for("reporting.ImprovementOpportunity")
def _improvements(user):
    """The CSI register (s.9.8) is internal; a provider sees only the entries it suggested."""
    if is_internal(user):
        return ALL
    return _own(user, "suggested_by") if is_provider(user) else NONE


@rule_for("reporting.ProviderRecord")
@rule_for("reporting.ServiceReview")
def _provider_records(user):
    """Internal staff all; a provider its own record and reviews; participants none."""
    if is_internal(user):
        return ALL
    return _own(user, "provider") if is_provider(user) else NONE


@rule_for("reporting.EscalationContact")
def _escalation_contacts(user):
    return within("record", user)


@rule_for("reporting.ReviewAction")
def _review_actions(user):
    return within("review", user)
