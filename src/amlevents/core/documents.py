"""Reading user-supplied documents (files, stdin, option values) with bounded work and errors that point at the
problem.

Everything a user hands in is untrusted: a file may be huge, nested 100,000 levels deep, or hold numbers Python
cannot print back as JSON. The readers here refuse such input with an ``InvalidInputError`` (exit 2) *before*
any recursive step (json's decoder, PyYAML's composer, ``copy.deepcopy``, the JSON encoder) could overflow the
stack or run for minutes. The limits, far above anything Event Grid or a manifest needs:

* ``MAX_JSON_BYTES`` (16 MiB): a JSON file or stdin (Event Grid's own limit is 1 MB per event).
* ``MAX_MANIFEST_BYTES`` (1 MiB): a YAML manifest (thousands of subscriptions; PyYAML reads about 100 KB/s).
* ``MAX_DEPTH`` (100): objects/arrays (or YAML mappings/lists) nested inside each other.
* ``MAX_INT_DIGITS`` (4,300): digits of an integer, Python's default ``sys.int_info.default_max_str_digits``
  (a longer integer cannot be printed back as JSON).
* ``MAX_YAML_VALUES`` (100,000): values a manifest expands to, YAML aliases counted every time they are used
  (an "alias bomb" of 400 bytes would otherwise expand to a billion values).
* Numbers must be finite: ``1e999`` (infinity in a float), ``NaN`` and ``Infinity`` are refused, as JSON has
  no such values and the output must stay valid JSON.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

from amlevents.core.errors import InvalidInputError

MAX_JSON_BYTES = 16 * 1024 * 1024
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_DEPTH = 100
MAX_INT_DIGITS = 4300
MAX_YAML_VALUES = 100_000

# A JSON string (skipped whole, so brackets inside it do not count) or a bracket; used only to measure nesting.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_STRING_OR_CONSTANT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|(-?Infinity|NaN)')


def read_text(path: str, *, what: str, limit: int = MAX_JSON_BYTES) -> str:
    """The UTF-8 text of ``path`` (``-`` reads stdin), at most ``limit`` bytes; a missing, unreadable, non-UTF-8
    or larger file is invalid input. Reads at most ``limit + 1`` bytes, so a huge file costs no memory."""
    name = "stdin" if path == "-" else f"'{path}'"
    try:
        if path == "-":
            stream = getattr(sys.stdin, "buffer", None)
            data: bytes | str = stream.read(limit + 1) if stream is not None else sys.stdin.read(limit + 1)
        else:
            with open(path, "rb") as handle:
                data = handle.read(limit + 1)
    except FileNotFoundError:
        raise InvalidInputError(f"{what} file '{path}' not found",
                                hint="check the path, or pass - to read stdin") from None
    except IsADirectoryError:
        raise InvalidInputError(f"{what} file '{path}' is a directory", hint="pass a JSON file") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise InvalidInputError(f"cannot read {what} file {name}: {getattr(exc, 'strerror', None) or exc}") from None
    if len(data) > limit:
        raise InvalidInputError(f"{what} {name} is larger than {_size(limit)}",
                                hint=f"amlevents reads {what} documents of up to {_size(limit)}")
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{what} {name} is not UTF-8 text (byte {exc.start + 1})",
                                hint="save the file as UTF-8") from None


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"


class _Refused(ValueError):
    """A JSON number or constant the readers refuse (raised inside ``json.loads`` callbacks)."""


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _Refused(f"an integer has {digits} digits; the limit is {MAX_INT_DIGITS}")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:40]}{'...' if len(text) > 40 else ''} is too large (not a finite number)")
    return value


def _constant(text: str) -> Any:
    raise _Refused(text)


def check_json_depth(text: str, *, label: str) -> None:
    """Raise ``InvalidInputError`` when the JSON ``text`` nests objects/arrays more than ``MAX_DEPTH`` deep,
    measured without recursing (brackets inside strings do not count)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return  # cannot be too deep: the common case costs two counts
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        bracket = match.group()
        if bracket in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise too_deep(label)
        elif bracket in "]}":
            depth -= 1


def too_deep(label: str) -> InvalidInputError:
    """The error for input nested more than ``MAX_DEPTH`` levels."""
    return InvalidInputError(f"{label} nests objects or arrays more than {MAX_DEPTH} levels deep",
                             hint=f"amlevents reads documents nested up to {MAX_DEPTH} levels")


def loads(text: str, *, label: str) -> Any:
    """Parse JSON within the limits above.

    Raises ``json.JSONDecodeError`` when ``text`` is not JSON (``NaN`` and ``Infinity`` included, which Python
    alone would accept), and ``InvalidInputError`` naming ``label`` when it is JSON beyond a limit (too deep, an
    integer too long, a number that overflows to infinity).
    """
    check_json_depth(text, label=label)
    try:
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except _Refused as exc:
        reason = str(exc)
        if reason in ("NaN", "Infinity", "-Infinity"):
            found = next((m for m in _STRING_OR_CONSTANT.finditer(text) if m.group(1)), None)
            raise json.JSONDecodeError(f"{reason} is not a JSON value", text, found.start() if found else 0) from None
        raise InvalidInputError(f"{label}: {reason}", hint="JSON numbers must be finite, with at most "
                                f"{MAX_INT_DIGITS} digits; quote a longer value as a string") from None


def nesting_depth(value: Any) -> int:
    """How many lists/dicts ``value`` nests (0 for a scalar), computed without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_json(text: str, *, source: str, what: str) -> Any:
    """Parse a JSON document within the limits; a syntax error names the source, line and column."""
    name = "stdin" if source == "-" else f"'{source}'"
    try:
        return loads(text, label=f"{what} {name}")
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"{what} {name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            hint=f"fix the JSON; `amlevents events sample TYPE` prints a valid {what}" if what == "event" else None,
        ) from None


def load_json_file(path: str, *, what: str) -> Any:
    """Read and parse a JSON file (or stdin for ``-``) within the limits."""
    return parse_json(read_text(path, what=what), source=path, what=what)
