"""Major incident management: declare, communicate, invoke BCDR, review afterwards."""

from django.db import transaction
from django.utils import timezone

from accounts import policy
from services.models import BusinessCalendar

from . import communications, reconciliation, signals
from .errors import InvalidTransition, NotAllowed
from .models import Communication, Incident, MajorIncident, PostIncidentReview
from .sla_service import refresh_sla

# The post-incident review is due this many working days after declaration.
REVIEW_DUE_WORKING_DAYS = 5


def _check(by):
    if not policy.may_declare_major_incident(by):
        raise NotAllowed("Only the Service Desk or Switching Operations manage major incidents.")


@transaction.atomic
def declare_major(*, incident, by, manager, summary, bcdr_invoked=False) -> MajorIncident:
    """Declare a major incident: Sev1, a manager, a review obligation, and tell the market."""
    _check(by)
    if not policy.is_desk(manager):
        raise InvalidTransition("The major incident manager must be desk or Operations staff.")
    if not (summary or "").strip():
        raise InvalidTransition("Write a summary for market participants.")
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.is_major:
        raise InvalidTransition(f"{incident.reference} is already a major incident.")
    if not incident.is_open:
        raise InvalidTransition(f"{incident.reference} is {incident.get_status_display().lower()}"
                                "; it cannot be declared a major incident.")
    now = timezone.now()
    if incident.severity != 1:
        incident.change_severity(to=1, by=by, reason="Declared a major incident", at=now)
        refresh_sla(incident, now=now)
    incident.is_major = True
    incident.save(update_fields=["is_major", "updated_at"])
    major = MajorIncident.objects.create(
        incident=incident, declared_by=by, declared_at=now, manager=manager, summary=summary,
        bcdr_invoked=bcdr_invoked, bcdr_invoked_at=now if bcdr_invoked else None)
    calendar = BusinessCalendar.england_and_wales()
    PostIncidentReview.objects.create(
        major_incident=major, owner=manager,
        due_date=calendar.add_working_days(timezone.localdate(now), REVIEW_DUE_WORKING_DAYS))
    communications.start_plan(incident=incident, manager=manager, at=now)
    communications.lock_services(incident)  # not at the same time as the raise announcement
    announced = communications.has_announced(incident)
    communications.publish(incident=incident, by=by, body=summary, at=now,
                           kind=Communication.Kind.UPDATE if announced
                           else Communication.Kind.RAISE)
    incident.announce()
    if major.bcdr_invoked:  # the Crisis Management Team step (continuity app, s.11.41)
        signals.bcdr_invoked.send(sender=MajorIncident, major_incident=major, by=by)
    return major


@transaction.atomic
def invoke_bcdr(*, incident, by, summary, manager=None) -> MajorIncident:
    """Record a BCDR invocation; every BCDR event is a major incident (declared if need be)."""
    _check(by)
    major = MajorIncident.objects.filter(incident=incident).first()
    if major is None:
        return declare_major(incident=incident, by=by, manager=manager or by, summary=summary,
                             bcdr_invoked=True)
    if major.bcdr_invoked:
        raise InvalidTransition("BCDR has already been invoked for this major incident.")
    major.bcdr_invoked, major.bcdr_invoked_at = True, timezone.now()
    major.save(update_fields=["bcdr_invoked", "bcdr_invoked_at"])
    communications.publish(incident=major.incident, by=by, body=f"BCDR invoked. {summary}",
                           kind=Communication.Kind.UPDATE)
    signals.bcdr_invoked.send(sender=MajorIncident, major_incident=major, by=by)
    return major


@transaction.atomic
def post_update(*, major, by, body) -> Communication:
    """Add a timeline update and send it to everyone the incident concerns."""
    _check(by)
    return communications.publish(incident=major.incident, by=by, body=body,
                                  kind=Communication.Kind.UPDATE)


@transaction.atomic
def complete_review(*, review, by, findings):
    _check(by)
    if not (findings or "").strip():
        raise InvalidTransition("Record the review's findings.")
    if review.status == PostIncidentReview.Status.COMPLETED:
        raise InvalidTransition("The review is already complete.")
    waiting = reconciliation.unresolved_summary(review.major_incident)
    if waiting:
        raise InvalidTransition(
            "The review cannot be completed while reconciliation is open: each item must be "
            f"signed off by its party or waived by Switching Operations (still open: {waiting}).")
    review.findings, review.status = findings.strip(), PostIncidentReview.Status.COMPLETED
    review.completed_at = timezone.now()
    review.save(update_fields=["findings", "status", "completed_at"])
    return review
