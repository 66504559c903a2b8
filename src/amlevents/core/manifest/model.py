"""What a loaded manifest is (``Manifest``, ``WorkspaceSpec``, ``DesiredSubscription``), and the error that says
where in the file a manifest is wrong (``ManifestError``, at ``file:line:column``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from amlevents.core.errors import FilterSyntaxError, InvalidInputError
from amlevents.core.filters import EventFilter
from amlevents.core.manifest.select import Selector
from amlevents.core.subscription import SubscriptionOptions

Path = tuple[str | int, ...]
Position = tuple[int, int]  # 1-based line and column


def path_text(path: Path) -> str:
    """``('workspaces', 0, 'name')`` -> ``workspaces[0].name``; keys that are not identifiers are bracketed."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_]*", part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


class ManifestError(InvalidInputError):
    """A manifest is invalid: ``source``:``line``:``column``, at the JSON ``path`` (a tuple of keys and indices)."""

    def __init__(self, detail: str, *, source: str, line: int, column: int, path: Path = (),
                 hint: str | None = None) -> None:
        shown = path_text(path)
        InvalidInputError.__init__(self, f"{source}:{line}:{column}: " + (f"{shown}: " if shown else "") + detail,
                                   hint=hint)
        self.detail = detail
        self.source = source
        self.line = line
        self.column = column
        self.path = path


class ManifestFilterError(ManifestError, FilterSyntaxError):
    """An advanced filter string of a manifest does not parse: located like any ``ManifestError``, and rendered
    like a ``FilterSyntaxError`` (the filter and a caret). ``source`` stays the manifest's name."""

    def __init__(self, error: FilterSyntaxError, **where: Any) -> None:
        ManifestError.__init__(self, error.message, hint=error.hint, **where)
        self.filter_text, self.position, self.length, self.label = (error.source, error.position, error.length,
                                                                     error.label)

    def render(self) -> str:
        """The filter and a caret line under the bad token."""
        return FilterSyntaxError(self.message, source=self.filter_text, position=self.position,
                                 length=self.length).render()


class ManifestErrors(ManifestError):
    """Several problems in one manifest: ``errors``, in file order, each a ``ManifestError``. Located (``line``,
    ``column``, ``path``) at the first; the message is a count and then one ``file:line:column: ...`` entry per
    error, each with its caret lines (a filter) and hint, so that editors and CI logs can jump to every one."""

    def __init__(self, errors: Sequence[ManifestError]) -> None:
        first = errors[0]
        entries = "\n".join(_entry(error) for error in errors)
        InvalidInputError.__init__(self, f"{len(errors)} errors in {first.source}:\n{entries}")
        self.errors = tuple(errors)
        self.detail, self.source, self.line, self.column, self.path = (first.detail, first.source, first.line,
                                                                       first.column, first.path)


def _entry(error: ManifestError) -> str:
    """One error of a list: its located message, the filter and caret when it is a filter, and its hint."""
    lines = [error.message + ("" if error.message.endswith((".", "?", "!")) else ".")]
    if isinstance(error, ManifestFilterError):
        lines.append(error.render())
    if error.hint:
        lines.append(f"  Hint: {error.hint}")
    return "\n".join(lines)


def raise_errors(errors: Sequence[ManifestError]) -> None:
    """Raise nothing for no errors, the error itself for one, and ``ManifestErrors`` in file order for more."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ManifestErrors(sorted(errors, key=lambda e: (e.line, e.column)))


@dataclass(frozen=True)
class DesiredSubscription:
    """One event subscription as the manifest wants it: the same ``EventFilter``, ``SubscriptionOptions`` and
    PUT ``properties`` that ``subscription create`` would build. ``system_topic``: False, True or a topic name."""

    name: str
    system_topic: bool | str
    event_filter: EventFilter
    options: SubscriptionOptions
    properties: dict[str, Any]
    location: Position


@dataclass(frozen=True)
class WorkspaceSpec:
    """A workspace (or, with ``selector``, every workspace it selects) and its subscriptions. ``ref_args`` are ``resolve_workspace``'s keyword arguments, resolved
    at plan time so that environment and config.json fallbacks apply there."""

    ref_args: dict[str, str | None]
    subscriptions: tuple[DesiredSubscription, ...]
    location: Position = (1, 1)
    selector: Selector | None = None  # a ``select:`` entry (ref_args empty): resolved against discovered workspaces


@dataclass(frozen=True)
class Manifest:
    """A loaded manifest. ``secrets``: every value a ``${VAR}`` reference brought in, for output to redact."""

    workspaces: tuple[WorkspaceSpec, ...]
    source: str
    secrets: frozenset[str] = frozenset()
