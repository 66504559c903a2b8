"""The only place that writes data to stdout: table, JSON, YAML, TSV or nothing, after an optional --query.

Commands hand over plain data (dicts and lists, JSON-shaped). Rich, PyYAML and jmespath are imported only
when the chosen format needs them, so JSON output stays on the fast path.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from amlevents.core.errors import InvalidInputError


class OutputFormat(str, Enum):
    """Values of ``-o/--output``."""

    table = "table"
    json = "json"
    yaml = "yaml"
    tsv = "tsv"
    none = "none"


@dataclass(frozen=True)
class Column:
    """A table/TSV column: a header and a key (or a function of the row)."""

    header: str
    key: str | Callable[[Any], Any]

    def value(self, row: Any) -> Any:
        if callable(self.key):
            return self.key(row)
        return row.get(self.key) if isinstance(row, dict) else None


def resolve_format(fmt: OutputFormat | None, *, interactive_default: OutputFormat = OutputFormat.table) -> OutputFormat:
    """The format to use: the one asked for, else a table on a terminal and JSON when piped."""
    if fmt is not None:
        return fmt
    return interactive_default if sys.stdout.isatty() else OutputFormat.json


def apply_query(data: Any, query: str | None) -> Any:
    """Apply a JMESPath ``--query`` (as in the az CLI); a bad expression is invalid input."""
    if not query:
        return data
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.search(query, data)
    except JMESPathError as exc:
        raise InvalidInputError(
            f"--query '{query}' is not a valid JMESPath expression: {exc}",
            hint="see https://jmespath.org for the syntax, e.g. --query \"[].name\"",
        ) from exc


def emit(
    data: Any,
    fmt: OutputFormat | None,
    *,
    query: str | None = None,
    columns: Sequence[Column] | None = None,
    rows: Callable[[Any], list[Any]] | None = None,
    interactive_default: OutputFormat = OutputFormat.table,
) -> None:
    """Render ``data`` to stdout in the requested format.

    ``columns`` pick what a table or TSV shows; ``rows`` optionally flattens nested data into table rows
    (JSON and YAML always show ``data`` itself).
    """
    fmt = resolve_format(fmt, interactive_default=interactive_default)
    if query:
        data = apply_query(data, query)
        columns = rows = None  # the query may have reshaped the data; fall back to generic columns
    elif rows is not None and fmt in (OutputFormat.table, OutputFormat.tsv):
        data = rows(data)
    if fmt is OutputFormat.none:
        return
    if fmt is OutputFormat.json:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    elif fmt is OutputFormat.yaml:
        import yaml

        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
    elif fmt is OutputFormat.tsv:
        text = _tsv(data, columns)
    else:
        _table(data, columns)
        return
    sys.stdout.write(text)
    sys.stdout.flush()


def emit_raw(text: str) -> None:
    """Text that already is the data (a generated manifest), as is."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def emit_line(data: Any) -> None:
    """One compact JSON line on stdout, flushed at once (for ready signals that other programs wait for)."""
    sys.stdout.write(json.dumps(data, separators=(",", ":")) + "\n")
    sys.stdout.flush()


@contextlib.contextmanager
def progress(message: str) -> Iterator[None]:
    """A spinner on stderr while Azure works, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


def note(message: str) -> None:
    """An informational line on stderr (progress, summaries): never mixed into the data on stdout."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def warn(message: str) -> None:
    """A warning on stderr (never stdout, which carries data only)."""
    sys.stderr.write(f"Warning: {message}\n")
    sys.stderr.flush()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _rows_and_columns(data: Any, columns: Sequence[Column] | None) -> tuple[list[Any], list[Column]]:
    rows = data if isinstance(data, list) else [data]
    if columns:
        return rows, list(columns)
    keys: list[str] = []
    for row in rows:
        if isinstance(row, dict):
            keys.extend(k for k in row if k not in keys)
    if keys:
        return rows, [Column(k, k) for k in keys]
    return rows, [Column("value", lambda r: r)]


def _tsv(data: Any, columns: Sequence[Column] | None) -> str:
    if not isinstance(data, (list, dict)):
        return _cell(data) + "\n"
    rows, cols = _rows_and_columns(data, columns)
    return "".join("\t".join(_cell(c.value(r)) for c in cols) + "\n" for r in rows)


def _table(data: Any, columns: Sequence[Column] | None) -> None:
    from rich.console import Console
    from rich.table import Table

    # Piped tables keep whole values on one line (grep-able); a terminal gets its real width.
    width = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "0") or 0) or 240
    console = Console(file=sys.stdout, highlight=False, soft_wrap=False, width=width)
    if not isinstance(data, (list, dict)):
        console.print(_cell(data), markup=False)
        return
    if isinstance(data, dict) and not columns:
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        for key, value in data.items():
            table.add_row(str(key), _cell(value))
        console.print(table)
        return
    rows, cols = _rows_and_columns(data, columns)
    if not rows:
        console.print("(none)", style="dim")
        return
    table = Table(show_lines=False, header_style="bold")
    for col in cols:
        table.add_column(col.header, overflow="fold")
    for row in rows:
        table.add_row(*(_escape(_cell(c.value(row))) for c in cols))
    console.print(table)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
