"""Change Co-ordination KPIs for a period (s.10.9: number of major and emergency changes).

Computed from the transition rows and the stored warnings, never from
guesses. The reporting app calls `change_kpis`; it is plain data so a report
can render it as a table, CSV or PDF.
"""

from django.db.models import Count

from .models import ChangeNotification, ChangeTransition, ChangeWarning

S = ChangeNotification.Status
CONFLICT_KINDS = [ChangeWarning.Kind.SAME_SERVICE, ChangeWarning.Kind.DEPENDENCY,
                  ChangeWarning.Kind.NO_SWITCH_PATH]


def change_kpis(*, start, end, provider=None) -> dict:
    """Return the KPIs for notifications submitted in [start, end), optionally for one provider.

    - by_type / by_provider: notifications submitted in the period;
    - major, emergency: the s.10.9 KPIs;
    - outcomes and success_rate: outcomes recorded in the period (implemented / all outcomes);
    - late: submitted in the period with less than the required notice;
    - with_conflicts: submitted in the period with at least one clash; conflict_warnings: clashes.
    """
    submitted = ChangeNotification.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    outcomes = ChangeTransition.objects.filter(
        at__gte=start, at__lt=end, to_status__in=ChangeNotification.OUTCOME_STATUSES)
    if provider is not None:
        submitted = submitted.filter(provider=provider)
        outcomes = outcomes.filter(change_notification__provider=provider)
    by_type = dict(submitted.values_list("change_type").annotate(n=Count("pk")))
    by_provider = {name: n for name, n in submitted.values_list("provider__name").annotate(
        n=Count("pk")).order_by("provider__name")}
    outcome_counts = dict(outcomes.values_list("to_status").annotate(n=Count("pk")))
    finished = sum(outcome_counts.values())
    conflicts = ChangeWarning.objects.filter(change_notification__in=submitted,
                                             kind__in=CONFLICT_KINDS)
    return {
        "submitted": submitted.count(),
        "by_type": {t: by_type.get(t, 0) for t in ChangeNotification.Type.values},
        "by_provider": by_provider,
        "major": by_type.get(ChangeNotification.Type.MAJOR, 0),
        "emergency": by_type.get(ChangeNotification.Type.EMERGENCY, 0),
        "outcomes": {s: outcome_counts.get(s, 0) for s in ChangeNotification.OUTCOME_STATUSES},
        "success_rate": (outcome_counts.get(S.IMPLEMENTED, 0) / finished) if finished else None,
        "late": submitted.late().count(),
        "with_conflicts": conflicts.values("change_notification").distinct().count(),
        "conflict_warnings": conflicts.count(),
    }
