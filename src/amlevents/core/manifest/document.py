"""A manifest's YAML, both ways: read as YAML 1.2 with the position of every value and key, and written back.

Reading (step 1 of ``core.manifest``): scalars follow YAML 1.2 (core schema), as editors read them: ``yes``,
``on`` and ``2027-01-01`` are strings. Duplicate keys, merge keys (``<<``), explicit tags, keys that are not
strings, integers longer than ``MAX_INT_DIGITS`` digits and numbers that are not finite are each a
``ManifestError`` at ``file:line:column`` in ``Document.errors``, and reading goes on (the value is left out).
Input that cannot be read on stops at once: YAML syntax errors, and input beyond the limits of ``core.documents``:
more than ``MAX_MANIFEST_BYTES`` of text, mappings/lists nested more than ``MAX_DEPTH`` deep (refused while
composing, before anything recurses that deep), more than ``MAX_YAML_VALUES`` values once aliases are expanded
(an alias bomb), aliases that contain themselves.
Writing (``Dumper``, for ``core.manifest_export``) quotes every string a YAML 1.2 reader would not read back as
that string.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from amlevents.core.documents import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    MAX_MANIFEST_BYTES,
    MAX_YAML_VALUES,
)
from amlevents.core.manifest.model import ManifestError, Path, Position, raise_errors

# YAML 1.2 core schema (what editors use): no yes/no/on/off booleans, no dates, no sexagesimal numbers.
_NULL = re.compile(r"~|null|Null|NULL|")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_STR_TAG, _SEQ_TAG, _MAP_TAG = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_INT_CEILING = 10**MAX_INT_DIGITS
_IMPLICIT = yaml.resolver.Resolver()  # tells an explicit tag (!!str 3, !Ref x) from an implied one


def plain_scalar(text: str) -> Any:
    """The value of an unquoted YAML 1.2 scalar; ``ValueError`` for an integer of more than ``MAX_INT_DIGITS``
    decimal digits."""
    if _NULL.fullmatch(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.fullmatch(text):
        # Python refuses to parse (or print) decimal integers of more than MAX_INT_DIGITS digits; say so first
        value = int(text, 8 if text.startswith("0o") else 16 if text.startswith("0x") else 10) \
            if len(text.lstrip("+-")) <= MAX_INT_DIGITS else None
        if value is None or abs(value) >= _INT_CEILING:
            raise ValueError(f"an integer of more than {MAX_INT_DIGITS} digits")
        return value
    if _FLOAT.fullmatch(text):
        return float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))
    return text


def _tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


class _TooDeep(Exception):
    """Raised by ``_BoundedLoader`` at the collection that nests one level too deep."""

    def __init__(self, mark: yaml.Mark) -> None:
        super().__init__()
        self.mark = mark


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's composer recurses once per nesting level; this one stops at ``MAX_DEPTH`` levels instead."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        nested = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
        if nested:
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _TooDeep(event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= nested


class Document:
    """The manifest as plain data, with the 1-based position of each value (``values``) and key (``keys``);
    ``errors``: the problems read past (their values are left out of ``data``)."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.lines = text.splitlines()
        self.values: dict[Path, Position] = {}
        self.keys: dict[Path, Position] = {}
        self.raw: dict[Path, str] = {}  # the text of plain and single-line quoted scalars, for exact columns
        self.nulls: set[Path] = set()  # empty values: errors point at their key
        self.count = 0  # values converted so far, aliases counted each time they are used
        self.errors: list[ManifestError] = []
        if len(text) > MAX_MANIFEST_BYTES:
            raise ManifestError(f"the manifest is larger than {MAX_MANIFEST_BYTES // 1024} KiB", source=source,
                                line=1, column=1, hint="Split it into several manifests.")
        try:
            node = yaml.compose(text, Loader=_BoundedLoader)
        except _TooDeep as exc:
            raise ManifestError(f"lists and mappings are nested more than {MAX_DEPTH} levels deep", source=source,
                                line=exc.mark.line + 1, column=exc.mark.column + 1) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = ""
            if exc.context and exc.problem_mark:
                start = exc.context_mark
                where = f" ({exc.context}" + (f" that starts on line {start.line + 1})" if start else ")")
            raise ManifestError(f"invalid YAML: {exc.problem}{where}", source=source,
                                line=mark.line + 1 if mark else 1, column=mark.column + 1 if mark else 1) from None
        except yaml.YAMLError as exc:
            raise ManifestError(f"invalid YAML: {exc}", source=source, line=1, column=1) from None
        if node is None:
            raise self.error((), "the manifest is empty", hint="Start with 'version: 1' and 'workspaces:'.")
        self.data = self._convert(node, (), ())

    def _convert(self, node: yaml.Node, path: Path, active: tuple[int, ...]) -> Any:
        self.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        self.count += 1
        if self.count > MAX_YAML_VALUES:
            raise self.error(path, f"the manifest expands to more than {MAX_YAML_VALUES:,} values",
                             hint="YAML aliases (*name) repeat what their anchor holds; use fewer of them.")
        if id(node) in active:
            raise self.error(path, "a YAML alias refers to a node that contains it")
        active = (*active, id(node))
        if isinstance(node, yaml.ScalarNode):
            implied = _IMPLICIT.resolve(yaml.ScalarNode, node.value, (node.style is None, node.style is not None))
            if node.tag != implied and node.tag != _STR_TAG:
                return self._skip(path, f"the YAML tag {_tag(node.tag)} is not supported", hint="Remove the tag.")
            value = self._scalar(node, path) if node.style is None and node.tag == implied else node.value
            if value is None:
                self.nulls.add(path)
            if node.start_mark.line == node.end_mark.line and isinstance(value, str):
                self.raw[path] = node.value
            return value
        if node.tag not in (_SEQ_TAG, _MAP_TAG):
            return self._skip(path, f"the YAML tag {_tag(node.tag)} is not supported", hint="Remove the tag.")
        if isinstance(node, yaml.SequenceNode):
            return [self._convert(item, (*path, i), active) for i, item in enumerate(node.value)]
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.errors.append(ManifestError("a key must be a plain string, not a list or mapping",
                                                 source=self.source, line=key_node.start_mark.line + 1,
                                                 column=key_node.start_mark.column + 1, path=path))
                continue
            key = key_node.value
            key_path = (*path, key)
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.errors.append(self.error(key_path, "YAML merge keys (<<) are not supported", key=True,
                                              hint="Put shared settings under 'defaults'.", at=key_node))
                continue
            if key in out:
                first = self.keys[key_path][0]
                self.errors.append(self.error(key_path, f"duplicate key '{key}' (first given on line {first})",
                                              key=True, at=key_node,
                                              hint="Give each key once; YAML would silently keep only the last."))
                continue
            self.keys[key_path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = self._convert(value_node, key_path, active)
        return out

    def _scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        """A plain scalar's value; integers too long to print back and numbers that are not finite are refused."""
        try:
            value = plain_scalar(node.value)
        except ValueError as exc:
            return self._skip(path, f"{exc} is not supported", hint="Quote it to make it a string.")
        if isinstance(value, float) and not math.isfinite(value):
            return self._skip(path, f"'{node.value[:40]}' is not a finite number", hint="Quote it to make it a string.")
        return value

    def _skip(self, path: Path, detail: str, *, hint: str) -> None:
        """Note a value that cannot be read as it is written; it is left out (None) and reading goes on."""
        self.errors.append(self.error(path, detail, hint=hint))

    def position(self, path: Path, *, key: bool = False) -> Position:
        """Where ``path`` is written: its value (its key when ``key``, or when the value is empty); for a path
        that is not in the file, the nearest enclosing one."""
        if key and path in self.keys:
            return self.keys[path]
        while path not in self.values:
            if not path:
                return (1, 1)
            path = path[:-1]
        return self.keys[path] if path in self.nulls and path in self.keys else self.values[path]

    def get(self, path: Path, default: Any = None) -> Any:
        """The value at ``path``, or ``default``."""
        value = self.data
        for part in path:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                return default
        return value

    def has(self, path: Path) -> bool:
        """True when ``path`` is written in the file."""
        return path in self.values

    def error(self, path: Path, detail: str, *, hint: str | None = None, key: bool = False,
              offset: int | None = None, at: yaml.Node | None = None) -> ManifestError:
        """A ``ManifestError`` at ``path`` (or at the node ``at``); ``offset`` moves the column inside a one-line
        string scalar."""
        line, column = (at.start_mark.line + 1, at.start_mark.column + 1) if at else self.position(path, key=key)
        column += self.offset_in_scalar(path, offset) if offset is not None else 0
        return ManifestError(detail, source=self.source, line=line, column=column, path=path, hint=hint)

    def offset_in_scalar(self, path: Path, offset: int) -> int:
        """Columns from a scalar's start to character ``offset`` of its text (0 when that cannot be known)."""
        raw = self.raw.get(path)
        line, column = self.values.get(path, (0, 0))
        if raw is None or not 0 < line <= len(self.lines):
            return 0
        text = self.lines[line - 1][column - 1:]
        start = 1 if text[:1] in ("'", '"') else 0
        # only when the file holds the value verbatim (no escapes, no folding)
        return start + offset if text[start:start + len(raw)] == raw else 0


def read_yaml(text: str, *, source: str = "<manifest>") -> Any:
    """A manifest's YAML as plain data, read as the loader reads it (YAML 1.2 scalars, duplicate keys refused),
    before any check or ``${VAR}`` expansion; a ``ManifestError`` (``ManifestErrors``) for what cannot be read."""
    doc = Document(text, source)
    raise_errors(doc.errors)
    return doc.data


# --- writing ----------------------------------------------------------------------------------------------------

class Dumper(yaml.SafeDumper):
    """Indented lists, and quotes around every string a YAML 1.2 reader would not read back as that string."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def represent_str(self, data: str) -> yaml.ScalarNode:
        node = super().represent_str(data)
        if node.style is None and (_INT.fullmatch(data) or plain_scalar(data) != data):
            node.style = "'"
        return node


Dumper.add_representer(str, Dumper.represent_str)
