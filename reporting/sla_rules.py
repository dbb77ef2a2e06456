"""Worked examples for the "How SLA figures are computed" page, one per severity.

Each example is a made-up incident history replayed by the same function that
computes every live figure (incidents.sla.replay, on the one clock engine), on
the targets of the SLA policy version in force now. So the page cannot drift
from what the product does: change a target and the examples change with it.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from incidents.models import SlaPolicy
from incidents.sla import SeverityEvent, Transition, replay
from incidents.sla_service import policy_targets

LONDON = ZoneInfo("Europe/London")


def _at(*args):
    return datetime(*args, tzinfo=LONDON)


@dataclass
class WorkedExample:
    title: str
    shows: str  # which rules the example illustrates
    steps: list  # [(moment, what happened)]
    explanation: list  # the engine's own lines
    verdict: str


# (title, rules shown, raised at, severity, [(moment, to status, pending reason, from status)],
#  [(moment, from severity, to severity, reason)], now)
HISTORIES = [
    ("Sev1: two pauses, resolved straight from Pending",
     "A pause moves the due time by exactly the business time it held; resolved from "
     "Pending, the clock stops at the resolution and the pending time counts as paused.",
     _at(2026, 11, 27, 10, 0), 1,
     [(_at(2026, 11, 27, 10, 5), "in_progress", "", "new"),
      (_at(2026, 11, 27, 11, 0), "pending", "awaiting_participant", "in_progress"),
      (_at(2026, 11, 27, 12, 30), "in_progress", "", "pending"),
      (_at(2026, 11, 27, 15, 0), "pending", "awaiting_participant", "in_progress"),
      (_at(2026, 11, 27, 16, 0), "resolved", "", "pending")], [],
     _at(2026, 12, 1, 9, 0)),
    ("Sev2 downgraded to Sev3, resolved within the new target",
     "A severity change re-targets both clocks from creation; a downgraded incident resolved "
     "within its new target is met and is not an escalation.",
     _at(2026, 11, 30, 9, 0), 2,
     [(_at(2026, 11, 30, 9, 15), "in_progress", "", "new"),
      (_at(2026, 12, 1, 10, 30), "resolved", "", "in_progress")],
     [(_at(2026, 11, 30, 15, 0), 2, 3, "Workaround in place")],
     _at(2026, 12, 4, 9, 0)),
    ("Sev3: resolved, reopened, resolved late",
     "Time between a resolution and a reopen does not count; the clock runs on from the "
     "reopen and the verdict is judged at the final resolution.",
     _at(2026, 11, 30, 9, 0), 3,
     [(_at(2026, 11, 30, 9, 30), "in_progress", "", "new"),
      (_at(2026, 12, 1, 9, 0), "resolved", "", "in_progress"),
      (_at(2026, 12, 1, 15, 0), "in_progress", "", "resolved"),
      (_at(2026, 12, 3, 16, 0), "resolved", "", "in_progress")], [],
     _at(2026, 12, 7, 9, 0)),
    ("Sev4 on working days: an evening pause, then resolved after the deadline",
     "A pause holding no business time does not move the due time; work done after the "
     "deadline instant is a breach even if no business time passed since.",
     _at(2026, 11, 30, 8, 0), 4,
     [(_at(2026, 11, 30, 9, 0), "in_progress", "", "new"),
      (_at(2026, 12, 10, 18, 30), "pending", "awaiting_participant", "in_progress"),
      (_at(2026, 12, 10, 19, 0), "in_progress", "", "pending"),
      (_at(2026, 12, 11, 19, 0), "resolved", "", "in_progress")], [],
     _at(2026, 12, 14, 9, 0)),
    ("Sev2 cancelled as a duplicate",
     "A cancelled incident's clocks stop at the cancellation and are not measured.",
     _at(2026, 11, 30, 9, 0), 2,
     [(_at(2026, 11, 30, 9, 10), "in_progress", "", "new"),
      (_at(2026, 12, 2, 9, 0), "cancelled", "", "in_progress")], [],
     _at(2026, 12, 4, 9, 0)),
]

WORDS = {"in_progress": "in progress", "pending": "pending", "resolved": "resolved",
         "cancelled": "cancelled", "closed": "closed"}


def _step_text(to, reason, came_from):
    if to == "in_progress":
        return {"new": "responded (in progress)", "pending": "resumed",
                "resolved": "reopened"}.get(came_from, "in progress")
    if to == "pending":
        return f"pending ({reason.replace('_', ' ')})"
    if to == "resolved" and came_from == "pending":
        return "resolved straight from pending"
    return WORDS[to]


def worked_examples(policy=None):
    """Return [WorkedExample] on the policy in force (or `policy`); [] if there is none."""
    policy = policy or SlaPolicy.objects.in_force()
    if policy is None:
        return []
    targets = policy_targets(policy)
    examples = []
    for title, shows, raised, severity, moves, changes, now in HISTORIES:
        transitions = [Transition(at=at, to_status=to, from_status=came_from,
                                  pending_reason=reason) for at, to, reason, came_from in moves]
        severity_events = [SeverityEvent(at=at, from_severity=a, to_severity=b, reason=why)
                           for at, a, b, why in changes]
        current = changes[-1][2] if changes else severity
        figures = replay(created_at=raised, severity=current, transitions=transitions,
                         severity_events=severity_events, targets=targets,
                         pausing_reasons=policy.pausing_reasons(),
                         warning_percent=policy.warning_percent, now=now,
                         policy_name=policy.name)
        steps = [(raised, f"raised as Sev{severity}")]
        steps += [(at, _step_text(to, reason, came_from)) for at, to, reason, came_from in moves]
        steps += [(at, f"severity changed Sev{a} -> Sev{b} ({why})") for at, a, b, why in changes]
        steps.sort(key=lambda step: step[0])
        examples.append(WorkedExample(title=title, shows=shows, steps=steps,
                                      explanation=figures.explanation,
                                      verdict=figures.resolution.verdict))
    return examples
