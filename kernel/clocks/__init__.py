"""Service-level clocks: business calendars, duration units and the one clock engine.

- calendar.py: business-time arithmetic over a calendar (24x7 or working hours).
- units.py: the units targets are written in, and durations in words.
- engine.py: `run(events)`, the pure function every SLA, OLA and request clock is, and
  `met()`, the one rule for "met".
- explain.py: the same plain-words explanation for every clock.
"""
