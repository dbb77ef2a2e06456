"""Information security incidents (s.9.4): classify an incident as one, release it publicly.

Who may see a security incident is the incidents rule in accounts/policy.py; this module
only moves an incident into that rule and, when the desk decides the market should hear
of it, releases it to the public channels (status page, derived status, bulletins,
the major-incident banner), which read `Incident.objects.public()`.
"""

from django.db import transaction
from django.utils import timezone

from accounts import policy

from .errors import InvalidTransition, NotAllowed
from .models import Incident, IncidentComment, Kind


def _locked(incident, by):
    if not policy.may_classify_security_incident(by):
        raise NotAllowed("Only the Service Desk or Switching Operations classify and release "
                         "security incidents.")
    return Incident.objects.select_for_update().get(pk=incident.pk)


def _note(incident, by, body):
    """A work note on the timeline (internal staff only), so the decision leaves a row."""
    IncidentComment.objects.create(incident=incident, author=by, body=body, is_public=False)


@transaction.atomic
def classify_as_security_incident(*, incident, by, reason) -> Incident:
    """Make `incident` a security incident: from now on only the rule's parties see it."""
    incident = _locked(incident, by)
    if incident.kind == Kind.SECURITY:
        raise InvalidTransition(f"{incident.reference} is already a security incident.")
    if not (reason or "").strip():
        raise InvalidTransition("Say why this is an information security incident.")
    incident.kind = Kind.SECURITY
    incident.save(update_fields=["kind", "updated_at"])
    _note(incident, by, f"Classified as an information security incident: {reason.strip()}")
    incident.announce()  # the status page and derived status forget it
    return incident


@transaction.atomic
def release_security_incident(*, incident, by, reason) -> Incident:
    """Let public status and bulletins tell of a security incident (its details stay limited)."""
    incident = _locked(incident, by)
    if incident.kind != Kind.SECURITY:
        raise InvalidTransition(f"{incident.reference} is not a security incident.")
    if incident.released_at is not None:
        raise InvalidTransition(f"{incident.reference} has already been released.")
    if not (reason or "").strip():
        raise InvalidTransition("Say why the market may now be told of this incident.")
    incident.released_at = timezone.now()
    incident.save(update_fields=["released_at", "updated_at"])
    _note(incident, by, f"Released to public status and bulletins: {reason.strip()}")
    incident.announce()
    return incident
