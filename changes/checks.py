"""Policy checks on change notifications: notice period, conflicts, freezes.

The checks produce warnings with reasons (rows of ChangeWarning), never
blocks: Switching Operations decides. They are re-run by `refresh_warnings`
whenever a notification changes (synchronously, in the same transaction) and
by `refresh_live_warnings` when a freeze, a notice rule or the catalogue
changes (from a signal, after commit, in a Celery task).

Rules, in words (also shown on the schedule's help page):

- Notice: the notice given is the number of *clear* working days on the
  England & Wales calendar strictly between the day of submission and the
  day the change starts (UK dates). A draft is checked as if submitted today.
  The notice required is the largest of the rules that apply to each affected
  service (see NoticePeriodRule for which rule applies).
- Conflicts are checked against every other notification still live
  (submitted, under assessment, approved, in progress) whose window overlaps;
  windows that only touch (one ends when the other starts) do not overlap.
  Services with impact "none" never clash.
  * same service: both affect the same service;
  * dependency: one affected service needs the other, directly or through
    other services (the catalogue's dependency graph, transitively);
  * no switch path: a switch of a fuel crosses every active service of that
    fuel (or of both fuels) that is connected in the dependency graph (an
    isolated service such as the Switching Portal is not on a switch path).
    Two unrelated services on the same fuel's path both fully out at once, by
    different changes, leave that fuel's switches with no working path for
    the overlap, and the outage is not co-ordinated into one window.
- Freezes: the change's window overlaps a freeze occurrence (one-off, or a
  weekly UK wall-clock window) that covers one of its services or all services.
- A Market Participant's planned outage goes through the notice and freeze checks
  (not the conflict checks: it changes no central service). Its notice is counted
  the same way from when its current window was declared, against the largest
  "participants' planned outages" rule among its services (a rule without a
  service applies to every outage, with or without services).
"""

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kernel.periods import LONDON as UK
from services.graph import DependencyGraph
from services.models import BusinessCalendar, Service, ServiceDependency

from .models import MAX_WINDOW, ChangeNotification, ChangeWarning, OutageWarning, ParticipantOutage
from .models_policy import ChangeFreeze, NoticePeriodRule

Kind = ChangeWarning.Kind
OUTAGE = ChangeNotification.Impact.OUTAGE
NONE = ChangeNotification.Impact.NONE
MESSAGE_MAX = 500


def uk(moment):
    return f"{moment.astimezone(UK):%a %d %b %Y %H:%M}"


@dataclass
class CheckContext:
    """Everything the checks read besides the notifications, loaded once per batch."""

    graph: DependencyGraph
    services: dict  # id -> Service
    rules: list
    freezes: list
    calendar: BusinessCalendar
    _upstream: dict = field(default_factory=dict)

    @classmethod
    def load(cls):
        return cls(
            graph=ServiceDependency.objects.graph(),
            services={s.pk: s for s in Service.objects.all()},
            rules=list(NoticePeriodRule.objects.all()),
            freezes=list(ChangeFreeze.objects.active().prefetch_related("services")),
            calendar=BusinessCalendar.england_and_wales(),
        )

    def upstream(self, service_id):
        if service_id not in self._upstream:
            self._upstream[service_id] = self.graph.upstream({service_id})
        return self._upstream[service_id]

    def switch_fuels(self, service_id):
        """Return the fuels whose switches cross this service (empty if it is off every path)."""
        service = self.services.get(service_id)
        if service is None or not service.is_active:
            return set()
        if not (self.graph.needs.get(service_id) or self.graph.needed_by.get(service_id)):
            return set()
        if service.fuel == Service.Fuel.BOTH:
            return {Service.Fuel.GAS, Service.Fuel.ELECTRICITY}
        return {service.fuel}

    def name(self, service_id):
        service = self.services.get(service_id)
        return service.name if service else f"service {service_id}"


# --- notice -----------------------------------------------------------------
def required_notice(change, impacts, ctx):
    """Return (working days, rule) the change needs: the largest over its services' rules."""
    best_days, best_rule = 0, None
    for impact in impacts:
        matching = [r for r in ctx.rules if r.matches(
            provider_id=change.provider_id, service_id=impact.service_id,
            change_type=change.change_type, impact=impact.impact)]
        if not matching:
            continue
        rule = max(matching, key=lambda r: (r.specificity, r.working_days))
        if best_rule is None or rule.working_days > best_days:
            best_days, best_rule = rule.working_days, rule
    return best_days, best_rule


def clear_working_days(notified, start, ctx):
    """Return the clear working days strictly between the UK days of `notified` and `start`."""
    notified_day = notified.astimezone(UK).date()
    start_day = start.astimezone(UK).date()
    if start_day <= notified_day:
        return 0
    return ctx.calendar.working_days_between(notified_day, start_day - timedelta(days=1))


def notice_given(change, ctx, now=None):
    """Return the clear working days between submission (or now, for a draft) and the start."""
    return clear_working_days(change.submitted_at or now or timezone.now(), change.planned_start,
                              ctx)


def notice_warnings(change, impacts, ctx):
    required, rule = required_notice(change, impacts, ctx)
    if not required:
        return []
    given = notice_given(change, ctx)
    if given >= required:
        return []
    scope = rule.description or str(rule)
    verb = "was given" if change.submitted_at else "would be given if submitted today"
    return [ChangeWarning(kind=Kind.LATE_NOTICE, message=(
        f"Late notification: {required} working days' notice required ({scope}); "
        f"{given} {verb}.")[:MESSAGE_MAX])]


# --- conflicts --------------------------------------------------------------
def _clash(a, b, ctx):
    """Return the kind of clash between services a and b (both affected), or None."""
    if a == b:
        return Kind.SAME_SERVICE
    if a in ctx.upstream(b) or b in ctx.upstream(a):
        return Kind.DEPENDENCY
    return None


def conflict_warnings(change, impacts, others, ctx):
    """Return warnings for clashes between `change` and each of `others` (overlapping, live)."""
    mine = {i.service_id: i.impact for i in impacts if i.impact != NONE}
    warnings = []
    for other in others:
        theirs = {i.service_id: i.impact for i in other.impacts.all() if i.impact != NONE}
        found = {}
        for a, a_impact in mine.items():
            for b, b_impact in theirs.items():
                kind = _clash(a, b, ctx)
                if kind is None and a_impact == OUTAGE and b_impact == OUTAGE:
                    fuels = ctx.switch_fuels(a) & ctx.switch_fuels(b)
                    if fuels:
                        kind = Kind.NO_SWITCH_PATH
                        found.setdefault(kind, []).append((a, b, fuels))
                        continue
                if kind is not None:
                    found.setdefault(kind, []).append((a, b, None))
        when = (f"{other.reference} ({other.provider.name}, {uk(other.planned_start)} to "
                f"{uk(other.planned_end)} UK, {other.get_status_display().lower()})")
        for kind, pairs in found.items():
            warnings.append(ChangeWarning(kind=kind, other_change=other,
                                          message=_conflict_message(kind, pairs, when, ctx)))
    return warnings


def _conflict_message(kind, pairs, when, ctx):
    if kind == Kind.SAME_SERVICE:
        names = sorted({ctx.name(a) for a, _, _ in pairs})
        text = f"Overlaps {when} on the same service: {', '.join(names)}."
    elif kind == Kind.DEPENDENCY:
        parts = []
        for a, b, _ in pairs:
            if a in ctx.upstream(b):
                parts.append(f"{ctx.name(b)} (theirs) needs {ctx.name(a)} (ours)")
            else:
                parts.append(f"{ctx.name(a)} (ours) needs {ctx.name(b)} (theirs)")
        text = f"Overlaps {when} on dependent services: {'; '.join(sorted(set(parts)))}."
    else:
        parts = sorted({f"{ctx.name(a)} and {ctx.name(b)}" for a, b, _ in pairs})
        fuels = sorted({f.label.lower() if hasattr(f, "label") else f
                        for _, _, fs in pairs for f in fs})
        text = (f"With {when}, {'; '.join(parts)} would both be fully out: no path for a "
                f"{' or '.join(fuels)} switch during the overlap.")
    return text[:MESSAGE_MAX]


# --- freezes ----------------------------------------------------------------
def freezes_overlapping(service_ids, start, end, ctx):
    """Yield (freeze, message) for each freeze covering one of `service_ids` in [start, end)."""
    for freeze in ctx.freezes:
        scope = {s.pk for s in freeze.services.all()}
        if scope and not (scope & service_ids):
            continue
        occurrence = next(freeze.occurrences(start, end), None)
        if occurrence is None:
            continue
        covered = "all services" if not scope else ", ".join(
            sorted(ctx.name(s) for s in scope & service_ids))
        yield freeze, (
            f"During the change freeze '{freeze.name}' ({freeze.describe_window()}; "
            f"covers {covered}): from {uk(occurrence[0])} to {uk(occurrence[1])} UK.")[:MESSAGE_MAX]


def freeze_warnings(change, impacts, ctx):
    return [ChangeWarning(kind=Kind.FREEZE, freeze=freeze, message=message)
            for freeze, message in freezes_overlapping(
                {i.service_id for i in impacts}, change.planned_start, change.planned_end, ctx)]


def emergency_warnings(change):
    if not change.is_emergency:
        return []
    text = "Emergency change: it may be approved retrospectively."
    if change.needs_retrospective_approval:
        text = "Emergency change started without approval: approve it retrospectively."
    elif change.approved_retrospectively:
        text = "Emergency change approved retrospectively."
    return [ChangeWarning(kind=Kind.EMERGENCY, message=text)]


# --- running the checks -----------------------------------------------------
class Pool:
    """Live notifications sorted by start, to find those overlapping a window without a query.

    Windows are at most MAX_WINDOW long, so an overlapping notification starts
    within MAX_WINDOW before the window's start: two bisections bound the scan.
    """

    def __init__(self, changes):
        self.changes = sorted(changes, key=lambda c: c.planned_start)
        self.starts = [c.planned_start for c in self.changes]

    def overlapping(self, change):
        lo = bisect_left(self.starts, change.planned_start - MAX_WINDOW)
        hi = bisect_left(self.starts, change.planned_end)
        return [c for c in self.changes[lo:hi]
                if c.planned_end > change.planned_start and c.pk != change.pk]


def _live_pool(start, end):
    """Return the live notifications overlapping [start, end), with their impacts."""
    return Pool(ChangeNotification.objects.live().overlapping(start, end)
                .select_related("provider").prefetch_related("impacts"))


def compute_warnings(change, ctx=None, pool=None):
    """Return unsaved ChangeWarning rows for `change` (not written)."""
    ctx = ctx or CheckContext.load()
    pool = pool or _live_pool(change.planned_start, change.planned_end)
    impacts = list(change.impacts.all())
    return [
        *emergency_warnings(change),
        *notice_warnings(change, impacts, ctx),
        *conflict_warnings(change, impacts, pool.overlapping(change), ctx),
        *freeze_warnings(change, impacts, ctx),
    ]


def _replace_all(targets, ctx, pool):
    """Rewrite the warnings of `targets` with one DELETE and one INSERT."""
    rows = []
    for target in targets:
        for warning in compute_warnings(target, ctx, pool):
            warning.change_notification = target
            rows.append(warning)
    ChangeWarning.objects.filter(change_notification__in=[t.pk for t in targets]).delete()
    ChangeWarning.objects.bulk_create(rows, batch_size=2000)


REFRESHABLE = [ChangeNotification.Status.DRAFT, *ChangeNotification.LIVE_STATUSES]


@transaction.atomic
def refresh_warnings(*, change_notification, ctx=None):
    """Recompute the warnings of one notification and of every live one it may clash with.

    Only drafts and live notifications are recomputed: once a notification
    leaves the schedule its warnings stay as they were (reports count them).
    """
    ctx = ctx or CheckContext.load()
    change = ChangeNotification.objects.select_related("provider").prefetch_related(
        "impacts").get(pk=change_notification.pk)
    # Notifications that clashed with this one before its window or status changed.
    before = set(ChangeWarning.objects.filter(other_change=change)
                 .values_list("change_notification_id", flat=True))
    # Everything that must be recomputed lies in the hull of this window, the windows of
    # the live notifications overlapping it and of those that clashed with it before;
    # whatever clashes with any of them overlaps that hull, so one pool serves them all.
    windows = list(ChangeNotification.objects.live()
                   .overlapping(change.planned_start, change.planned_end)
                   .values_list("planned_start", "planned_end"))
    windows += list(ChangeNotification.objects.filter(pk__in=before)
                    .values_list("planned_start", "planned_end")) if before else []
    start = min([change.planned_start, *(w[0] for w in windows)])
    end = max([change.planned_end, *(w[1] for w in windows)])
    pool = _live_pool(start, end)
    by_pk = {c.pk: c for c in pool.changes}
    targets = [c for c in pool.overlapping(change)] + [
        by_pk[pk] for pk in before if pk in by_pk and pk != change.pk]
    if change.status in REFRESHABLE:
        targets.append(change)
    elif change.is_emergency:
        # Finished: keep its findings, but the emergency flag follows retrospective approval.
        change.warnings.filter(kind=Kind.EMERGENCY).delete()
        ChangeWarning.objects.bulk_create(
            [ChangeWarning(change_notification=change, kind=w.kind, message=w.message)
             for w in emergency_warnings(change)])
    _replace_all(list({t.pk: t for t in targets}.values()), ctx, pool)


@transaction.atomic
def refresh_live_warnings():
    """Recompute the warnings of every draft and live notification and of every planned
    participant outage on the schedule (after a freeze, notice rule or catalogue change).
    Return how many were refreshed."""
    ctx = CheckContext.load()
    targets = list(ChangeNotification.objects.filter(status__in=REFRESHABLE)
                   .select_related("provider").prefetch_related("impacts"))
    pool = Pool([t for t in targets if t.status in ChangeNotification.LIVE_STATUSES])
    _replace_all(targets, ctx, pool)
    outages = list(ParticipantOutage.objects.on_schedule().prefetch_related("services"))
    refresh_outage_warnings(outages, ctx)
    return len(targets) + len(outages)


# --- Market Participants' planned outages ------------------------------------
def required_outage_notice(service_ids, ctx):
    """Return (working days, rule) a planned outage on `service_ids` needs."""
    best_days, best_rule = 0, None
    for service_id in service_ids or [None]:
        matching = [r for r in ctx.rules if r.matches_outage(service_id=service_id)]
        if not matching:
            continue
        rule = max(matching, key=lambda r: (r.specificity, r.working_days))
        if best_rule is None or rule.working_days > best_days:
            best_days, best_rule = rule.working_days, rule
    return best_days, best_rule


def outage_warnings(outage, ctx):
    """Return unsaved OutageWarning rows for a planned outage (an unplanned one has none)."""
    if not outage.is_planned:
        return []
    service_ids = {s.pk for s in outage.services.all()}
    warnings = []
    required, rule = required_outage_notice(service_ids, ctx)
    given = clear_working_days(outage.notified_at, outage.starts_at, ctx)
    if required and given < required:
        warnings.append(OutageWarning(kind=Kind.LATE_NOTICE, message=(
            f"Late notification: {required} working days' notice required "
            f"({rule.description or rule}); {given} given.")[:MESSAGE_MAX]))
    warnings += [OutageWarning(kind=Kind.FREEZE, message=message)
                 for _, message in freezes_overlapping(service_ids, outage.starts_at,
                                                       outage.ends_at, ctx)]
    return warnings


def refresh_outage_warnings(outages, ctx=None):
    """Rewrite the warnings of `outages` (planned, still to happen or under way)."""
    ctx = ctx or CheckContext.load()
    rows = []
    for outage in outages:
        for warning in outage_warnings(outage, ctx):
            warning.outage = outage
            rows.append(warning)
    OutageWarning.objects.filter(outage__in=[o.pk for o in outages]).delete()
    OutageWarning.objects.bulk_create(rows)
