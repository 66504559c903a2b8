"""The only place that writes data to stdout: table, JSON, YAML, TSV or nothing, after an optional --query.

Commands hand over plain data (dicts and lists, JSON-shaped). Rich, PyYAML and jmespath are imported only
when the chosen format needs them, so JSON output stays on the fast path.

Whatever the data holds, writing never fails and JSON stays JSON: a float that is not finite is written as
``null`` (JSON has no NaN/Infinity; the readers refuse them, so this is only a safety net), and text stdout's
encoding cannot hold (a lone surrogate from a ``\\udcxx`` JSON escape, under a strict UTF-8 stdout) is escaped:
as ``\\uXXXX`` in JSON, with a backslash escape in the other formats.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from amlevents.core.errors import InvalidInputError

# What commands hand over and --query returns: JSON-shaped data.
Json = dict[str, Any] | list[Any] | str | int | float | bool | None


class OutputFormat(str, Enum):
    """Values of ``-o/--output``."""

    table = "table"
    json = "json"
    jsonc = "jsonc"  # coloured JSON on a terminal; exactly `json` when piped or with NO_COLOR
    yaml = "yaml"
    yamlc = "yamlc"  # coloured YAML on a terminal; exactly `yaml` when piped or with NO_COLOR
    tsv = "tsv"
    none = "none"


# The coloured formats: their plain format and the Pygments lexer that colours it.
_COLOURED = {OutputFormat.jsonc: (OutputFormat.json, "json"), OutputFormat.yamlc: (OutputFormat.yaml, "yaml")}


@dataclass(frozen=True)
class Column:
    """A table/TSV column: a header and a key (or a function of the row); ``coloured``: its verdict and action
    words (``DELIVERED``, ``create`` ...) are coloured on a terminal (``cli/style.py``)."""

    header: str
    key: str | Callable[[Any], Json]
    coloured: bool = False

    def value(self, row: Json) -> Json:
        """This column's cell of ``row``: the key function's result, or the row's value under the key."""
        if callable(self.key):
            return self.key(row)
        return row.get(self.key) if isinstance(row, dict) else None


def resolve_format(fmt: OutputFormat | None, *, interactive_default: OutputFormat = OutputFormat.table) -> OutputFormat:
    """The format to use: the one asked for, else a table on a terminal and JSON when piped."""
    if fmt is not None:
        return fmt
    return interactive_default if sys.stdout.isatty() else OutputFormat.json


MAX_QUERY_LENGTH = 4096  # characters of --query; az users write a few dozen


def apply_query(data: Json, query: str | None) -> Json:
    """Apply a JMESPath ``--query`` (as in the az CLI); a bad, too long or too deeply nested expression is
    invalid input."""
    if not query:
        return data
    import jmespath
    from jmespath.exceptions import JMESPathError

    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidInputError(f"--query is {len(query):,} characters long; the limit is {MAX_QUERY_LENGTH:,}",
                                hint="shorten the expression")
    try:
        return jmespath.search(query, data)
    except JMESPathError as exc:
        raise InvalidInputError(
            f"--query '{query}' is not a valid JMESPath expression: {exc}",
            hint="see https://jmespath.org for the syntax, e.g. --query \"[].name\"",
        ) from exc
    except RecursionError:
        # jmespath parses and evaluates by recursion, one level per operator ("!!!!a", "a || b || ..."); an
        # expression nested that deep cannot be bounded short of re-implementing its grammar, so it is refused
        # here, around the one third-party call that recurses on the user's text (the data is depth-capped).
        raise InvalidInputError("--query nests its operators too deeply for JMESPath",
                                hint="simplify the expression") from None


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
    fmt, lexer = _plain(fmt)
    if fmt is OutputFormat.json:
        text = _json(data, indent=2)
        if _printable(text) != text:  # stdout cannot encode some character: \uXXXX escapes are still JSON
            text = _json(data, indent=2, ensure_ascii=True)
        text += "\n"
    elif fmt is OutputFormat.yaml:
        import yaml

        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
    elif fmt is OutputFormat.tsv:
        text = _tsv(data, columns)
    else:
        _table(data, columns)
        return
    if lexer:
        _coloured(text, lexer)
        return
    sys.stdout.write(_printable(text))
    sys.stdout.flush()


def _plain(fmt: OutputFormat) -> tuple[OutputFormat, str | None]:
    """The plain format ``fmt`` prints, and the lexer to colour it with (None: not coloured, as az does when
    stdout is not a terminal or ``NO_COLOR`` is set)."""
    if fmt not in _COLOURED:
        return fmt, None
    from amlevents.cli.style import colour_enabled

    plain, lexer = _COLOURED[fmt]
    return plain, lexer if colour_enabled(sys.stdout) else None


def _coloured(text: str, lexer: str) -> None:
    """``text`` highlighted by Rich's Syntax (Pygments), same characters otherwise: no wrapping, no padding."""
    from rich.console import Console
    from rich.syntax import Syntax

    console = Console(file=sys.stdout, soft_wrap=True, highlight=False)
    console.print(Syntax(_printable(text).rstrip("\n"), lexer, theme="ansi_dark", background_color="default",
                         word_wrap=False), soft_wrap=True)
    sys.stdout.flush()


def emit_items(
    items: Iterable[Any],
    fmt: OutputFormat | None,
    *,
    query: str | None = None,
    columns: Sequence[Column] | None = None,
) -> None:
    """Render a list to stdout as its items arrive (a list of 10,000 is never held whole): JSON, YAML and TSV
    are written item by item, byte for byte as ``emit`` writes the whole list. A ``--query`` and a table need
    the whole list (a JMESPath expression may reorder or aggregate; a table sizes its columns).

    If reading the items fails part way, a JSON array is closed before the error goes on (stdout stays one JSON
    document: the items read so far; the exit code and stderr say that it is incomplete); a failure before the
    first item writes nothing, as before.
    """
    fmt = resolve_format(fmt)
    if query or fmt is OutputFormat.table or _plain(fmt)[1]:  # (colour: a terminal's list, highlighted whole)
        emit(list(items), fmt, query=query, columns=columns)
        return
    fmt = _plain(fmt)[0]
    if fmt is OutputFormat.none:
        for _item in items:  # still read every page: an error must still surface
            pass
        return
    write = sys.stdout.write
    if fmt is OutputFormat.tsv:
        for item in items:
            write(_printable(_tsv([item], columns)))
    elif fmt is OutputFormat.yaml:
        import yaml

        empty = True
        for item in items:
            write(_printable(yaml.safe_dump([item], sort_keys=False, allow_unicode=True, default_flow_style=False)))
            empty = False
        if empty:
            write("[]\n")
    else:
        _json_items(items, write)
    sys.stdout.flush()


def _json_items(items: Iterable[Any], write: Callable[[str], Any]) -> None:
    """A JSON array written item by item, indented as ``json.dumps(list, indent=2)`` indents it (JSON strings
    hold no raw newline, so re-indenting each item's lines is exact)."""
    opened = False
    try:
        for item in items:
            text = _indented(item)
            if _printable(text) != text:  # stdout cannot encode some character: \uXXXX escapes are still JSON
                text = _json(item, indent=2, ensure_ascii=True)
            write(("[\n  " if not opened else ",\n  ") + text.replace("\n", "\n  "))
            opened = True
    except BaseException:
        if opened:  # close what was written; a failure before the first item leaves stdout empty
            write("\n]\n")
        raise
    write("\n]\n" if opened else "[]\n")


def _indented(item: Any) -> str:
    """``_json(item, indent=2)``, by orjson (the standard library's indenting encoder is pure Python: 0.44 s per
    10,000 subscriptions, orjson's 0.02 s). The same text, except that an exponent is written without padding
    (``1e-7`` for ``1e-07``: the same number); anything orjson refuses (an integer beyond 64 bits, a non-finite
    float, a key that is not a string) takes the standard library's path."""
    import orjson

    try:
        return orjson.dumps(item, option=orjson.OPT_INDENT_2).decode()
    except (TypeError, orjson.JSONEncodeError):
        return _json(item, indent=2)


def emit_raw(text: str) -> None:
    """Text that already is the data (a generated manifest), as is."""
    sys.stdout.write(_printable(text if text.endswith("\n") else text + "\n"))
    sys.stdout.flush()


def emit_line(data: Any) -> None:
    """One compact JSON line on stdout, flushed at once (for ready signals that other programs wait for)."""
    sys.stdout.write(_json(data, separators=(",", ":"), ensure_ascii=True) + "\n")
    sys.stdout.flush()


def _json(data: Any, *, ensure_ascii: bool = False, **options: Any) -> str:
    """JSON text of ``data``; a float that is not finite becomes ``null`` rather than the non-JSON ``NaN``."""
    try:
        return json.dumps(data, ensure_ascii=ensure_ascii, allow_nan=False, **options)
    except ValueError:
        return json.dumps(_finite(data), ensure_ascii=ensure_ascii, allow_nan=False, **options)


def _finite(data: Json) -> Json:
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(v) for v in data]
    return data


def _printable(text: str, stream: Any = None) -> str:
    """``text`` with each character ``stream`` (default stdout) cannot encode as a backslash escape, so a write
    never raises ``UnicodeEncodeError`` (a strict UTF-8 stream cannot hold a lone surrogate)."""
    encoding = getattr(stream or sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:  # an encoding name Python does not know: leave the stream to cope
        return text
    return text


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
    sys.stderr.write(_printable(message, sys.stderr) + "\n")
    sys.stderr.flush()


def warn(message: str) -> None:
    """A warning on stderr (never stdout, which carries data only); ``Warning:`` in yellow on a colour terminal."""
    from amlevents.cli.style import prefixed

    sys.stderr.write(prefixed(_printable(f"Warning: {message}\n", sys.stderr), sys.stderr))
    sys.stderr.flush()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return _printable(_json(value, separators=(",", ":")))
    return _printable(str(value))


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
    """TSV of ``data``: the given columns of each row, else az's rules (``_az_tsv``)."""
    if not columns:
        return _az_tsv(data)
    rows, cols = _rows_and_columns(data, columns)
    return "".join("\t".join(_cell(c.value(r)) for c in cols) + "\n" for r in rows)


def _az_tsv(data: Any) -> str:
    """TSV as az (knack) writes it, so ``while read name state`` loops move over unchanged: one line per element
    of a list (an object is a list of one); a line holds an object's values in key order, or a list's elements;
    in a line, a nested list is its length, a nested object an empty field, null ``None``, true ``True`` (a
    bare boolean line is ``true``). A null result prints nothing."""
    if data is None:
        return ""
    return "".join(_az_tsv_row(row) for row in (data if isinstance(data, list) else [data]))


def _az_tsv_row(row: Any) -> str:
    if isinstance(row, dict):
        values: list[Any] = list(row.values())
    elif isinstance(row, list):
        values = row
    else:
        values = [str(row).lower() if isinstance(row, bool) else row]
    return "\t".join(_az_tsv_field(value) for value in values) + "\n"


def _az_tsv_field(value: Any) -> str:
    if isinstance(value, list):
        return str(len(value))
    if isinstance(value, dict):
        return ""
    return _printable(value if isinstance(value, str) else str(value))


def _table(data: Any, columns: Sequence[Column] | None) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from amlevents.cli.style import style_of
    from amlevents.cli.table import column_widths, fold

    # Piped tables keep whole values on one line (grep-able); a terminal gets its real width.
    width = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "0") or 0) or 240
    console = Console(file=sys.stdout, highlight=False, soft_wrap=False, width=width)
    if not isinstance(data, (list, dict)):
        console.print(_cell(data), markup=False)
        return
    if isinstance(data, dict) and not columns:
        # key/value: the keys are short words; the values take the rest of the line (2: the gap between them)
        keys = [_printable(str(key)) for key in data]
        values = [_cell(value) for value in data.values()]
        key_width = max(map(len, keys), default=1)
        value_width = max(console.width - key_width - 2, 1)
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold", width=key_width, no_wrap=True)
        table.add_column(width=value_width, no_wrap=True, overflow="ellipsis")
        for key, value in zip(keys, values):
            table.add_row(key, Text("\n".join(fold(value, value_width))))
        console.print(table)
        return
    rows, cols = _rows_and_columns(data, columns)
    if not rows:
        console.print("(none)", style="dim")
        return
    cells = [[_cell(c.value(row)) for c in cols] for row in rows]
    headers = [_printable(c.header) for c in cols]
    # As az draws tables: a rule under the header, two spaces between columns (no borders: at 80 columns every
    # character goes to the values). A coloured column holds verdicts and actions (NOT DELIVERED), never wrapped.
    widths = column_widths([[h, *(r[i] for r in cells)] for i, h in enumerate(headers)],
                           console.width - 2 * (len(cols) - 1), [c.coloured for c in cols])
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0), header_style="bold")
    for header, col_width in zip(headers, widths):
        table.add_column(Text("\n".join(fold(header, col_width))), width=col_width, no_wrap=True,
                         overflow="ellipsis")
    for row in cells:
        table.add_row(*(Text("\n".join(fold(text, w)), style=(style_of(text) or "") if c.coloured else "")
                        for text, w, c in zip(row, widths, cols)))
    console.print(table)
