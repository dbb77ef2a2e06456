"""Readable differences between two versions of an article (difflib, line by line)."""

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "ins", "del", "same" or "hunk" (a "@@ ... @@" position marker)
    text: str


def _lines(version):
    return [f"Title: {version.title}", f"Summary: {version.summary}", "",
            *version.body.splitlines()]


def version_diff(old, new, *, context=3):
    """Return DiffLines turning version `old` into version `new` (empty if identical)."""
    lines = []
    diff = difflib.unified_diff(_lines(old), _lines(new), fromfile=f"v{old.number}",
                                tofile=f"v{new.number}", lineterm="", n=context)
    for raw in diff:
        if raw.startswith(("---", "+++")):
            continue
        if raw.startswith("@@"):
            lines.append(DiffLine("hunk", raw))
        elif raw.startswith("+"):
            lines.append(DiffLine("ins", raw[1:]))
        elif raw.startswith("-"):
            lines.append(DiffLine("del", raw[1:]))
        else:
            lines.append(DiffLine("same", raw[1:]))
    return lines
