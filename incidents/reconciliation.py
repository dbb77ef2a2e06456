"""Post-incident reconciliation: open an item per affected party when a major incident is
resolved, take their progress, their sign-off, or Switching Operations' waiver.

Keyword-only and atomic; permission is checked here (accounts.policy), so the portal, the
console and the API obey the same rules. Callers first narrow what the user may see with
`ReconciliationItem.objects.visible_to(user)` (404 otherwise).
"""

from django.db import transaction
from django.utils import timezone

from accounts import policy
from kernel import svg
from notifications.services import queue_email

from . import selectors
from .errors import NotAllowed
from .models import MajorIncident, ReconciliationItem


@transaction.atomic
def open_reconciliation(*, major: MajorIncident, at=None) -> list:
    """Give every affected party of the resolved major incident an item (once per party;
    a party added later gets one when the incident is resolved again); tell each new one."""
    at = at or timezone.now()
    have = set(major.reconciliation_items.values_list("organisation_id", flat=True))
    created = []
    parties = {}  # one item per organisation: the first way it is affected names its role
    for party in selectors.affected_parties(major.incident):
        parties.setdefault(party.organisation.pk, (party.organisation, party.how))
    for organisation, role in parties.values():
        if organisation.pk in have:
            continue
        item = ReconciliationItem.objects.create(major_incident=major,
                                                 organisation=organisation, party_role=role,
                                                 created_at=at)
        created.append(item)
        queue_email(
            to=[organisation.contact_email],
            subject=f"[{major.incident.reference}] Reconciliation: state your backlog",
            template="incidents/email/reconciliation_opened",
            context={"incident": major.incident, "item": item},
            topic="incident.reconciliation", dedup_key=f"reconciliation-opened-{item.pk}")
    return created


def _locked(item):
    return ReconciliationItem.objects.select_for_update().select_related(
        "major_incident__incident", "organisation").get(pk=item.pk)


@transaction.atomic
def record_progress(*, item, by, remaining: int, backlog: int | None = None,
                    unit: str | None = None, expected_completion=None, note: str = ""):
    """Record how much of the party's backlog is still outstanding; return the progress row."""
    item = _locked(item)
    if not policy.may_report_reconciliation(by, item):
        raise NotAllowed("Only the affected party (or the desk for it) reports its progress.")
    return item.record_progress(by=by, remaining=remaining, backlog=backlog, unit=unit,
                                expected_completion=expected_completion, note=note)


@transaction.atomic
def sign_off(*, item, by, note: str = ""):
    """The party confirms it has reconciled; return the item."""
    item = _locked(item)
    if not policy.may_sign_off_reconciliation(by, item):
        raise NotAllowed("Only the affected party signs off its own reconciliation.")
    item.sign_off(by=by, note=note)
    return item


@transaction.atomic
def waive(*, item, by, reason: str):
    """Switching Operations waive the item with a reason; tell the party. Return the item."""
    item = _locked(item)
    if not policy.may_waive_reconciliation(by):
        raise NotAllowed("Only Switching Operations may waive a reconciliation item.")
    item.waive(by=by, reason=reason)
    queue_email(
        to=[item.organisation.contact_email],
        subject=f"[{item.major_incident.incident.reference}] Reconciliation waived",
        template="incidents/email/reconciliation_waived",
        context={"incident": item.major_incident.incident, "item": item, "reason": reason},
        topic="incident.reconciliation", dedup_key=f"reconciliation-waived-{item.pk}")
    return item


def outstanding(major):
    """Return the items still open for `major` (the review waits on these)."""
    return major.reconciliation_items.open().select_related("organisation")


def items_for(user):
    """Return the reconciliation items `user` may see, newest incident first."""
    return (ReconciliationItem.objects.visible_to(user)
            .select_related("major_incident__incident", "organisation")
            .order_by("-major_incident__declared_at", "organisation__name"))


def progress_chart(item):
    """Return the SVG step chart of the item's backlog outstanding over time.

    Points: the backlog when the item opened (once stated), then each progress report's
    remaining figure; the dashed marker is the expected completion.
    """
    rows = list(item.progress.all())
    points = []
    if rows:
        points.append((item.created_at, rows[0].backlog))
    points += [(row.at, row.remaining) for row in rows]
    unit = f" {item.unit}" if item.unit else ""
    latest = f"{points[-1][1]:,}{unit} outstanding" if points else "no figures yet"
    return svg.step_chart(
        f"Backlog outstanding for {item.organisation.name}: {latest}", points, unit=unit,
        start=item.created_at, end=item.expected_completion)


def unresolved_summary(major):
    """Return the words the review's refusal uses: which parties are still open."""
    names = [item.organisation.name for item in outstanding(major)]
    return ", ".join(names)
