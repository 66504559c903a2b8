"""Manifest entries that SELECT workspaces, and the parts of a fleet a run covers (``--select``, ``--shard``).

Pure: ``arm`` discovers the workspaces (one Azure Resource Graph query) and hands them here as rows
(``id``, ``name``, ``resourceGroup``, ``subscriptionId``, ``location``, ``tags``); this module decides which
entry governs each workspace:

- a named entry (``id`` or ``name``) beats every selector: the more specific wins;
- a workspace matched by several selectors takes their block when the blocks are equal, and is an error naming
  both entries (``FILE:LINE:COL``) when they differ.

Globs are ``fnmatch`` patterns (``*``, ``?``, ``[...]``) compared case-insensitively, as Azure compares names;
locations compare without case or spaces; tag keys without case, tag values as globs without case.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from amlevents.core.errors import InvalidInputError

Row = dict[str, Any]


def _glob(pattern: str, value: str | None) -> bool:
    return fnmatch.fnmatchcase((value or "").lower(), pattern.lower())


def _location(value: str | None) -> str:
    return (value or "").replace(" ", "").lower()


@dataclass(frozen=True)
class Selector:
    """A manifest entry's ``select:``: each key given narrows the selection (all must match); within a key, any
    of the listed patterns may match. ``subscriptions`` empty means every Azure subscription the caller can see."""

    subscriptions: tuple[str, ...] = ()
    resource_groups: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_manifest(cls, raw: dict[str, Any]) -> Selector:
        """From the (schema-valid) ``select:`` mapping; ``subscriptions: "*"`` is every subscription."""
        subs = raw.get("subscriptions", "*")
        return cls(subscriptions=() if subs == "*" else tuple(subs),
                   resource_groups=tuple(raw.get("resourceGroups", ())), names=tuple(raw.get("names", ())),
                   locations=tuple(raw.get("locations", ())),
                   tags=tuple((k, str(v)) for k, v in (raw.get("tags") or {}).items()))

    def matches(self, row: Row) -> bool:
        """True when the workspace ``row`` is selected."""
        if self.subscriptions and (row.get("subscriptionId") or "").lower() not in {
                s.lower() for s in self.subscriptions}:
            return False
        if self.resource_groups and not any(_glob(p, row.get("resourceGroup")) for p in self.resource_groups):
            return False
        if self.names and not any(_glob(p, row.get("name")) for p in self.names):
            return False
        if self.locations and _location(row.get("location")) not in {_location(x) for x in self.locations}:
            return False
        tags = {str(k).lower(): str(v) for k, v in (row.get("tags") or {}).items()}
        return all(k.lower() in tags and _glob(v, tags[k.lower()]) for k, v in self.tags)


def discovery_subscriptions(selectors: Iterable[Selector]) -> tuple[str, ...] | None:
    """The Azure subscriptions one discovery query must cover for ``selectors``: None for every one the caller can
    see (a selector without ``subscriptions``), else the union of those listed."""
    union: dict[str, str] = {}
    for selector in selectors:
        if not selector.subscriptions:
            return None
        union.update({s.lower(): s for s in selector.subscriptions})
    return tuple(union.values())


@dataclass(frozen=True)
class Match:
    """A workspace a selector entry governs: its discovered ``row`` and the index of the entry."""

    row: Row
    entry: int


def match_selectors(entries: Sequence[tuple[Selector, Any, tuple[int, int]]], rows: Iterable[Row],
                    named_ids: Iterable[str], *, source: str) -> list[Match]:
    """Which selector entry governs each discovered workspace not named elsewhere. ``entries``: per selector
    entry its ``Selector``, a comparable block (its desired subscriptions) and its position in the file. Two
    selectors with different blocks for one workspace raise ``InvalidInputError`` naming both positions."""
    named = {i.lower() for i in named_ids}
    out: list[Match] = []
    conflicts: list[str] = []
    for row in rows:
        if row["id"].lower() in named:
            continue  # a named entry is more specific than any selector
        hits = [i for i, (selector, _, _) in enumerate(entries) if selector.matches(row)]
        if not hits:
            continue
        first = hits[0]
        for other in hits[1:]:
            if entries[other][1] != entries[first][1]:
                (l1, c1), (l2, c2) = entries[first][2], entries[other][2]
                conflicts.append(f"{source}:{l1}:{c1} and {source}:{l2}:{c2} both select workspace "
                                 f"'{row.get('name')}' ({row['id']}) with different subscriptions")
        out.append(Match(row, first))
    if conflicts:
        raise InvalidInputError("; ".join(conflicts[:5]) + (f" (and {len(conflicts) - 5} more)"
                                                            if len(conflicts) > 5 else ""),
                                hint="narrow one selector, or name the workspace in its own entry (a named entry "
                                "overrides selectors)")
    return out


# --- --select and --shard -----------------------------------------------------------------------------------------

_SELECT_KEYS = {"name": "name", "resourcegroup": "resourceGroup", "subscription": "subscriptionId",
                "location": "location"}


@dataclass(frozen=True)
class RunFilter:
    """What part of the fleet one run covers: ``--select`` terms (all must match) and ``--shard N/M``."""

    terms: tuple[tuple[str, str], ...] = ()
    shard: tuple[int, int] | None = None

    @property
    def needs_rows(self) -> bool:
        """True when a term needs discovered data (location, tags) a named entry does not give."""
        return any(key == "location" or key.startswith("tag:") for key, _ in self.terms)

    def keeps(self, row: Row) -> bool:
        """True when the workspace ``row`` is in this run."""
        for key, pattern in self.terms:
            if key.startswith("tag:"):
                tags = {str(k).lower(): str(v) for k, v in (row.get("tags") or {}).items()}
                if not _glob(pattern, tags.get(key[4:].lower())) or key[4:].lower() not in tags:
                    return False
            elif key == "location":
                if _location(row.get("location")) != _location(pattern):
                    return False
            elif not _glob(pattern, row.get(key)):
                return False
        return self.shard is None or shard_of(row["id"], self.shard[1]) == self.shard[0]


def parse_run_filter(selects: Sequence[str] | None, shard: str | None) -> RunFilter:
    """``--select KEY=GLOB`` values (name, resourceGroup, subscription, location, tag:KEY) and ``--shard N/M``;
    bad input raises ``InvalidInputError`` (exit 2)."""
    terms = []
    for value in selects or ():
        key, sep, pattern = value.partition("=")
        lowered = key.strip().lower()
        if not sep or not pattern or not (lowered in _SELECT_KEYS or (lowered.startswith("tag:") and len(key) > 4)):
            raise InvalidInputError(f"--select '{value}' is not KEY=GLOB",
                                    hint="KEY is name, resourceGroup, subscription, location or tag:NAME, e.g. "
                                    "--select resourceGroup=ml-* --select tag:env=prod")
        terms.append((_SELECT_KEYS.get(lowered, "tag:" + key.strip()[4:]), pattern))
    return RunFilter(tuple(terms), parse_shard(shard) if shard is not None else None)


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/4"`` -> ``(2, 4)``; anything but integers with 1 <= N <= M raises ``InvalidInputError``."""
    n, sep, m = text.partition("/")
    if sep and n.strip().isdigit() and m.strip().isdigit() and 1 <= int(n) <= int(m):
        return int(n), int(m)
    raise InvalidInputError(f"--shard '{text}' is not N/M with 1 <= N <= M",
                            hint="e.g. --shard 1/4 ... --shard 4/4 in four CI jobs")


def shard_of(workspace_id: str, count: int) -> int:
    """The shard (1..``count``) a workspace belongs to: a stable hash (SHA-256, not Python's salted ``hash``) of
    its lower-cased id, so every job of a CI matrix agrees on it and the shards are disjoint and cover the fleet."""
    digest = hashlib.sha256(workspace_id.lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1
