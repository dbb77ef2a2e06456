"""A hand-written iCalendar (RFC 5545) writer for the Forward Schedule of Change feed.

Hand-written rather than taken from a library (none is installed, and the
feed needs only VEVENTs in UTC): text values are escaped (backslash,
semicolon, comma, newline; section 3.3.11), lines are folded at 75 octets
without splitting a UTF-8 character (section 3.1), and lines end in CRLF.
All times are written in UTC ("Z"), so no VTIMEZONE is needed and calendar
clients show them in the reader's own zone, DST included.
"""

from datetime import UTC

from django.utils import timezone

PRODID = "-//Switching SM//Forward Schedule of Change//EN"


def escape_text(value):
    """Return `value` escaped as an iCalendar TEXT value."""
    return (str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n"))


def fold(line):
    """Return `line` folded into CRLF-separated pieces of at most 75 octets."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line + "\r\n"
    if len(encoded) == len(line):  # ASCII: one octet per character, slice directly
        pieces = [line[:75]] + [line[i:i + 74] for i in range(75, len(line), 74)]
        return "\r\n ".join(pieces) + "\r\n"
    pieces, current, size, limit = [], [], 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces) + "\r\n"


def utc_stamp(moment):
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def event(*, uid, start, end, summary, description="", url="", status="CONFIRMED",
          categories=(), last_modified=None, sequence=0):
    """Return the lines of one VEVENT."""
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(uid)}",
        f"DTSTAMP:{utc_stamp(last_modified or timezone.now())}",
        f"DTSTART:{utc_stamp(start)}",
        f"DTEND:{utc_stamp(end)}",
        f"SUMMARY:{escape_text(summary)}",
        f"STATUS:{status}",
        f"SEQUENCE:{sequence}",
        "TRANSP:TRANSPARENT",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if url:
        lines.append(f"URL:{url}")
    if categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in categories))
    if last_modified:
        lines.append(f"LAST-MODIFIED:{utc_stamp(last_modified)}")
    lines.append("END:VEVENT")
    return lines


def calendar(events, *, name):
    """Return the whole VCALENDAR text for `events` (lists of lines)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}"]
    for event_lines in events:
        lines.extend(event_lines)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines)
