"""How a record moves between states, written once for every lifecycle.

- `InvalidTransition`: the one base of every "not allowed now" error. Each app's
  own error subclasses it, so callers may catch either; the API answers 409.
- `Moves`: the allowed-moves table of one lifecycle, checked with a message a
  user can read. Most lifecycles name target statuses (`Moves`); some name
  actions that lead to a status (`Moves.by_action`, e.g. "publish").
- `TransitionRecord`: the abstract row every state change leaves: who, when,
  from, to, why, and the channel it came through. SLA clocks and KPIs are
  computed from these rows.
- `Lifecycle`: the model mixin that checks a move, records the row and saves.
  Rules particular to one record (a reason needed, a guard) stay in its model
  methods, which call `record_move` last.
"""

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db import models
from django.utils import timezone

from .acting import Channel, current_channel


class InvalidTransition(Exception):
    """The record is not in a state that allows this change; the message is for people (API: 409)."""


class Moves:
    """The allowed moves of one lifecycle: from each status, the actions and where they lead.

    Built from `{status: {target, ...}}` (the action is the target's name), or
    with `by_action` from `{status: {action: target}}`. `error` is the app's own
    InvalidTransition subclass, so callers catching the app's errors catch these too.
    """

    def __init__(self, statuses, table: Mapping[str, Iterable[str]], *, error=InvalidTransition):
        self._init(statuses, {str(s): {str(t): str(t) for t in targets}
                              for s, targets in table.items()}, labels={}, error=error)

    @classmethod
    def by_action(cls, statuses, table: Mapping[str, Mapping[str, str]], *, labels: Mapping,
                  error=InvalidTransition):
        """Return the moves of a lifecycle whose steps are named actions ("publish", "retire")."""
        moves = cls.__new__(cls)
        moves._init(statuses, {str(s): {a: str(t) for a, t in actions.items()}
                               for s, actions in table.items()}, labels=labels, error=error)
        return moves

    def _init(self, statuses, table, *, labels, error):
        if not issubclass(error, InvalidTransition):
            raise TypeError(f"{error.__name__} must subclass kernel.transitions.InvalidTransition.")
        missing = set(statuses.values) - set(table)
        unknown = {t for actions in table.values() for t in actions.values()} - set(statuses.values)
        if missing or unknown:
            raise ValueError(f"Every status needs a row and every target must be a status "
                             f"(missing rows: {sorted(missing)}, unknown targets: {sorted(unknown)}).")
        self.statuses = statuses
        self._table = table
        self.labels = dict(labels)
        self.error = error

    def extended(self, extra: Mapping[str, Iterable[str]]):
        """Return these moves plus `extra` targets ({status: {target, ...}})."""
        table = {s: dict(actions) for s, actions in self._table.items()}
        for status, targets in extra.items():
            table[str(status)].update({str(t): str(t) for t in targets})
        moves = Moves.__new__(Moves)
        moves._init(self.statuses, table, labels=self.labels, error=self.error)
        return moves

    # --- questions -------------------------------------------------------
    def targets(self, status) -> frozenset:
        """Return the statuses a record in `status` may move to."""
        return frozenset(self._table[str(status)].values())

    def actions(self, status) -> list:
        """Return the action names open from `status`, in the table's order."""
        return list(self._table[str(status)])

    def allows(self, status, to) -> bool:
        return str(to) in self.targets(status)

    def is_final(self, status) -> bool:
        return not self._table[str(status)]

    def label(self, status) -> str:
        return self.statuses(status).label.lower()

    # --- checks ----------------------------------------------------------
    def check(self, status, to, *, subject):
        """Raise InvalidTransition unless `to` is a status reachable from `status`.

        `subject` names the record in the message, e.g. "INC-000123" or "The task".
        """
        if to not in self.statuses.values:
            raise self.error(f"'{to}' is not a status. Use one of: "
                             f"{', '.join(self.statuses.values)}.")
        if not self.allows(status, to):
            state = f"already {self.label(status)}" if self.is_final(status) else self.label(status)
            raise self.error(f"{subject} is {state}; it cannot be moved to {self.label(to)}.")

    def target_of(self, status, action, *, subject):
        """Return where `action` leads from `status`, or raise InvalidTransition.

        `subject` names the kind of record with its article, e.g. "an article".
        """
        actions = self._table[str(status)]
        if action not in actions:
            label = self.labels.get(action, action)
            raise self.error(f"Cannot {label.lower()} {subject} that is "
                             f"{self.label(status)}.")
        return actions[action]


class Lifecycle:
    """Mixin for a model with a `status` field, `MOVES` and a `transitions` row relation."""

    MOVES: Moves

    @property
    def lifecycle_subject(self):
        """Return how the record is named in a refusal (its reference by default)."""
        return self.reference

    def allowed_targets(self):
        return self.MOVES.targets(self.status)

    def check_move(self, to):
        self.MOVES.check(self.status, to, subject=self.lifecycle_subject)

    def record_move(self, to, *, by, reason="", at=None, update_fields=(), **row_fields):
        """Move to `to` (checked), save the status and `update_fields`, and return the new row.

        Extra keyword arguments are columns of the app's transition row (e.g. `action`).
        """
        self.check_move(to)
        before = self.status
        self.status = to
        self.save(update_fields=["status", *update_fields])
        return self.transitions.create(from_status=before, to_status=to, by=by, reason=reason,
                                       at=at or timezone.now(), **row_fields)


class TransitionRecord(models.Model):
    """One state change: who, when, from, to, why, and through which channel.

    Subclasses add the foreign key to what moved (named for it, `related_name=
    "transitions"`) and may set `statuses` to the TextChoices the values come from.
    """

    statuses = None

    from_status = models.CharField(max_length=20, blank=True, help_text="Empty on creation.")
    to_status = models.CharField(max_length=20)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                           blank=True, related_name="+", help_text="Empty when the system acted.")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True,
                               default=current_channel,
                               help_text="Where the change came from; empty on rows recorded "
                                         "before channels were kept.")

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.from_status or 'new'} -> {self.to_status} at {self.at:%Y-%m-%d %H:%M}"

    def _label(self, value):
        if self.statuses is None or value not in self.statuses.values:
            return value
        return self.statuses(value).label

    # Named as Django names a choice field's label, so templates read them the same way.
    def get_from_status_display(self):
        return self._label(self.from_status)

    def get_to_status_display(self):
        return self._label(self.to_status)
