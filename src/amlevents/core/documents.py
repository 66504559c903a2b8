"""Reading user-supplied JSON documents (files or stdin) with errors that point at the problem."""

from __future__ import annotations

import json
import sys
from typing import Any

from amlevents.core.errors import InvalidInputError


def read_text(path: str, *, what: str) -> str:
    """The text of ``path`` (``-`` reads stdin); a missing or unreadable file is invalid input."""
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InvalidInputError(f"{what} file '{path}' not found", hint="check the path, or pass - to read stdin") from None
    except IsADirectoryError:
        raise InvalidInputError(f"{what} file '{path}' is a directory", hint="pass a JSON file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"cannot read {what} file '{path}': {exc}") from None


def parse_json(text: str, *, source: str, what: str) -> Any:
    """Parse JSON; a syntax error names the source, line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        name = "stdin" if source == "-" else f"'{source}'"
        raise InvalidInputError(
            f"{what} {name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            hint=f"fix the JSON; `amlevents events sample TYPE` prints a valid {what}" if what == "event" else None,
        ) from None


def load_json_file(path: str, *, what: str) -> Any:
    """Read and parse a JSON file (or stdin for ``-``)."""
    return parse_json(read_text(path, what=what), source=path, what=what)
