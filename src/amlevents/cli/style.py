"""How words look to a person at a terminal: colour for verdicts, plan actions, errors and warnings, and plurals.

Colour only on a terminal, never when ``NO_COLOR`` is set (https://no-color.org) or ``TERM=dumb``; piped output
and files stay plain text. Tables are coloured by Rich (which honours ``NO_COLOR`` itself) from ``style_of``;
stderr prefixes are plain ANSI here, so an error message costs no Rich import.
"""

from __future__ import annotations

import os
from typing import Any

# The style of a value a person reads as a verdict or an action (Rich style names; ANSI codes below).
STYLES: dict[str, str] = {
    # events test
    "DELIVERED": "green", "NOT DELIVERED": "red", "pass": "green", "FAIL": "red",
    # events publish outcomes
    "delivered": "green", "spooled": "green", "retrying": "yellow", "deadLettered": "red", "dropped": "red",
    # plan / apply actions and statuses
    "create": "green", "update": "yellow", "delete": "red", "replace": "magenta",
    "applied": "green", "failed": "red", "skipped": "yellow",
}
# The plan's action markers, as Terraform shows them.
ACTION_MARKS: dict[str, str] = {"create": "+", "update": "~", "delete": "-", "replace": "-/+", "no-change": " "}
_ANSI = {"green": "32", "yellow": "33", "red": "31", "magenta": "35", "bold": "1"}


def style_of(value: Any) -> str | None:
    """The Rich style for a verdict, outcome or action value (its first word decides: ``deadLettered (ttl)``)."""
    if not isinstance(value, str) or not value:
        return None
    return STYLES.get(value) or STYLES.get(value.split(" (", 1)[0])


def colour_enabled(stream: Any) -> bool:
    """Whether ``stream`` is a terminal that may be coloured: not with NO_COLOR (any non-empty value), not for
    ``TERM=dumb``, never when piped or redirected."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def paint(text: str, style: str | None, stream: Any) -> str:
    """``text`` in ``style`` (a key of ``STYLES``' values) when ``stream`` is a colour terminal, else as is."""
    if not style or style not in _ANSI or not colour_enabled(stream):
        return text
    return f"\x1b[{_ANSI[style]}m{text}\x1b[0m"


def prefixed(text: str, stream: Any) -> str:
    """``Error:`` in red, ``Warning:`` in yellow and ``Hint:`` in bold at the start of ``text``'s lines, on a colour
    terminal; the rest of the message is left as it is."""
    if not colour_enabled(stream):
        return text
    marks = {"Error:": "red", "Warning:": "yellow", "Hint:": "bold"}
    lines = []
    for line in text.split("\n"):
        for mark, style in marks.items():
            if line.startswith(mark):
                line = paint(mark, style, stream) + line[len(mark):]
                break
        lines.append(line)
    return "\n".join(lines)


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 change``, ``2 changes``, ``0 changes``: the one rule for counts in messages (``many``: an irregular
    plural)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"
