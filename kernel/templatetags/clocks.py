"""Template filters for clock figures, so a page never compares times with deadlines itself."""

from django import template

from kernel.clocks.engine import met

register = template.Library()


@register.filter
def late_at(due_at, now):
    """Return True if a running clock due at `due_at` has missed it at `now` (the one met()
    rule: exactly at the deadline is not late)."""
    if due_at is None or now is None:
        return False
    return not met(now, due_at)
