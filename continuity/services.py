"""Continuity work the portal, console and API share (keyword-only, atomic, policy first)."""

from django.db import transaction
from django.utils import timezone

from accounts import policy
from notifications.services import notify_users

from .errors import InvalidTransition, NotAllowed
from .models import (
    ContinuityPlan,
    CrisisInvocation,
    CrisisLogEntry,
    CrisisTeamMember,
    DisasterRecoveryTest,
    RecoveryAction,
)

PAGE_TOPIC = "continuity.crisis_page"


# --- DR tests and their actions -----------------------------------------------------
@transaction.atomic
def record_dr_test(*, plan, by, tested_on, scenario, result, recovery_minutes=None,
                   data_loss_minutes=None, findings="", actions=()) -> DisasterRecoveryTest:
    """Record a DR test of `plan` with its actions [(description, owner, due_on)]; the plan's
    last-tested date moves on if this test is its latest."""
    if not policy.may_record_dr_test(by, plan):
        raise NotAllowed("Only Switching Operations and the service's provider record DR tests.")
    if result not in DisasterRecoveryTest.Result.values:
        raise InvalidTransition("Choose a result: passed, issues or failed.")
    if tested_on > timezone.localdate():
        raise InvalidTransition("A DR test cannot be recorded before it has happened.")
    if result != DisasterRecoveryTest.Result.PASSED and not (findings or "").strip():
        raise InvalidTransition("Say what went wrong: a test that did not pass needs findings.")
    plan = ContinuityPlan.objects.select_for_update().get(pk=plan.pk)
    test = DisasterRecoveryTest.objects.create(
        plan=plan, tested_on=tested_on, scenario=scenario.strip(), result=result,
        recovery_minutes=recovery_minutes, data_loss_minutes=data_loss_minutes,
        findings=(findings or "").strip(), recorded_by=by)
    for description, owner, due_on in actions:
        add_recovery_action(test=test, by=by, description=description, owner=owner,
                            due_on=due_on)
    if plan.last_tested_on is None or tested_on > plan.last_tested_on:
        plan.last_tested_on = tested_on
        plan.save(update_fields=["last_tested_on", "updated_at"])
    return test


@transaction.atomic
def add_recovery_action(*, test, by, description, owner, due_on) -> RecoveryAction:
    """Give a DR test an action with an owner and a due date; tell the owner."""
    if not policy.may_record_dr_test(by, test.plan):
        raise NotAllowed("Only Switching Operations and the service's provider add actions.")
    if not (description or "").strip():
        raise InvalidTransition("Describe the action.")
    if not owner.is_active or owner.is_system_account:
        raise InvalidTransition("An action's owner must be an active person.")
    action = RecoveryAction.objects.create(test=test, description=description.strip(),
                                           owner=owner, due_on=due_on)
    notify_users(users=[owner], topic="continuity.action",
                 subject=f"DR test action for {test.plan.service.name}, due {due_on:%d %b %Y}",
                 template="continuity/email/action", context={"action": action},
                 dedup_key=f"recovery-action-{action.pk}")
    return action


@transaction.atomic
def complete_recovery_action(*, action, by, note="") -> RecoveryAction:
    if not policy.may_complete_recovery_action(by, action):
        raise NotAllowed("Only the action's owner or Switching Operations complete it.")
    action = RecoveryAction.objects.select_for_update().get(pk=action.pk)
    action.complete(note=(note or "").strip())
    return action


# --- the Crisis Management Team step (s.11.41) ----------------------------------------
@transaction.atomic
def invoke_crisis_management(*, major_incident, by) -> CrisisInvocation:
    """Start the Crisis Management Team step of a BCDR invocation: the invocation log, the
    plans of the incident's services, and a page (outbox email) to each member on call.

    Called from the incidents app's `bcdr_invoked` signal inside the invocation's
    transaction; a second call for the same major incident returns the first invocation.
    """
    incident = major_incident.incident
    invocation, created = CrisisInvocation.objects.get_or_create(
        major_incident=major_incident,
        defaults={"incident": incident, "invoked_by": by,
                  "invoked_at": major_incident.bcdr_invoked_at or timezone.now()})
    if not created:
        return invocation
    invocation.transitions.create(from_status="", to_status=invocation.status, by=by,
                                  reason="BCDR invoked", at=invocation.invoked_at)
    _log(invocation, by, CrisisLogEntry.Kind.INVOKED,
         f"BCDR invoked on major incident {incident.reference}: {major_incident.summary}")
    service_ids = list(incident.services.values_list("pk", flat=True))
    plans = list(ContinuityPlan.objects.for_services(service_ids).select_related("service"))
    invocation.plans.set(plans)
    covered = {plan.service_id for plan in plans}
    for plan in plans:
        _log(invocation, by, CrisisLogEntry.Kind.PLAN,
             f"{plan.service.name}: plan \"{plan.title}\", RTO {plan.rto_minutes} min, "
             f"RPO {plan.rpo_minutes} min, last tested {plan.last_tested_on or 'never'}.")
    for service in incident.services.exclude(pk__in=covered).order_by("name"):
        _log(invocation, by, CrisisLogEntry.Kind.PLAN,
             f"{service.name} has no continuity plan.")
    _page_team(invocation, by)
    return invocation


def _page_team(invocation, by):
    members = list(CrisisTeamMember.objects.on_call())
    incident = invocation.incident
    for member in members:
        # One outbox row per member, so one bounced address never holds the others back.
        notify_users(users=[member.user], topic=PAGE_TOPIC,
                     subject=f"[{incident.reference}] CRISIS: BCDR invoked, Crisis Management "
                             f"Team called: {incident.title}"[:300],
                     template="continuity/email/crisis_page",
                     context={"invocation": invocation, "member": member,
                              "plans": list(invocation.plans.select_related("service"))},
                     dedup_key=f"crisis-page-{invocation.pk}-{member.user_id}")
    names = ", ".join(f"{m.user.get_full_name() or m.user.username} ({m.team_role})"
                      for m in members)
    _log(invocation, by, CrisisLogEntry.Kind.PAGED,
         f"Paged {len(members)} team member(s): {names}." if members else
         "No Crisis Management Team member is on call: Switching Operations must page by hand.")


def _log(invocation, by, kind, text):
    return CrisisLogEntry.objects.create(invocation=invocation, by=by, kind=kind, text=text)


@transaction.atomic
def add_log_entry(*, invocation, by, text, kind=CrisisLogEntry.Kind.NOTE) -> CrisisLogEntry:
    """Add a line to the invocation's timeline (a note, decision or communication)."""
    if not policy.may_keep_crisis_log(by):
        raise NotAllowed("Only the desk and Switching Operations keep the crisis log.")
    if kind not in (CrisisLogEntry.Kind.NOTE, CrisisLogEntry.Kind.DECISION,
                    CrisisLogEntry.Kind.COMMUNICATION):
        raise InvalidTransition("Log a note, a decision or a stakeholder communication.")
    if not (text or "").strip():
        raise InvalidTransition("A log entry cannot be empty.")
    invocation = CrisisInvocation.objects.select_for_update().get(pk=invocation.pk)
    if invocation.status != CrisisInvocation.Status.ACTIVE:
        raise InvalidTransition("The team has stood down; the log is closed.")
    return _log(invocation, by, kind, text.strip())


@transaction.atomic
def stand_down(*, invocation, by, reason) -> CrisisInvocation:
    """Stand the Crisis Management Team down (service recovered), with the reason."""
    if not policy.may_keep_crisis_log(by):
        raise NotAllowed("Only the desk and Switching Operations stand the team down.")
    if not (reason or "").strip():
        raise InvalidTransition("Say why the team may stand down.")
    invocation = CrisisInvocation.objects.select_for_update().get(pk=invocation.pk)
    invocation.stand_down(by=by, reason=reason.strip())
    _log(invocation, by, CrisisLogEntry.Kind.STOOD_DOWN, reason.strip())
    return invocation
