"""Desired state: a YAML manifest of workspaces and their event subscriptions, read into the CLI's own model.

Reading goes through four steps, each failing with a ``ManifestError`` located at ``file:line:column``:

1. YAML to plain data with the position of every value and key. Scalars follow YAML 1.2 (core schema), as
   editors read them: ``yes``, ``on`` and ``2027-01-01`` are strings. Duplicate keys are refused.
2. The JSON Schema of ``core.manifest_schema`` (wrong types, unknown keys, ranges, enums).
3. ``${VAR}`` references in strings are replaced by environment variables (``$${`` is a literal ``${``).
4. Every subscription, merged with the defaults, is built exactly as ``subscription create`` builds it
   (``new_filter`` and ``build_properties``), so every rule of the flags applies; names must be unique.

``dump_manifest`` writes deployed subscriptions back as a manifest (for ``amlevents export``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

import yaml

from amlevents.core.catalog import EVENT_TYPES, get_event_type, is_aml_event_type
from amlevents.core.delivery_attributes import DeliveryAttribute
from amlevents.core.destination import (
    DEFAULT_MAX_EVENTS_PER_BATCH,
    DEFAULT_PREFERRED_BATCH_SIZE_KB,
    ENDPOINT_TYPES,
    endpoint_of,
)
from amlevents.core.errors import FilterSyntaxError, InvalidInputError, LimitExceededError
from amlevents.core.filter_flags import FilterFlags, new_filter
from amlevents.core.filters.model import AdvancedFilter, EventFilter
from amlevents.core.filters.parse import format_advanced_filter, parse_advanced_filter
from amlevents.core.manifest_schema import violations
from amlevents.core.shortcuts import AmlShortcuts
from amlevents.core.subscription import (
    DEFAULT_EVENT_TTL_MINUTES,
    DEFAULT_MAX_DELIVERY_ATTEMPTS,
    DEFAULT_SCHEMA,
    SCHEMAS,
    SubscriptionOptions,
    build_properties,
    check_name,
)
from amlevents.core.workspace import WorkspaceRef

__all__ = [
    "DesiredSubscription", "Manifest", "ManifestError", "WorkspaceSpec", "dump_manifest", "load_manifest",
    "manifest_summary", "parse_manifest", "path_text", "plain_scalar", "read_yaml",
]

Path = tuple[str | int, ...]
Position = tuple[int, int]  # 1-based line and column


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
    """A workspace and its subscriptions. ``ref_args`` are ``resolve_workspace``'s keyword arguments, resolved
    at plan time so that environment and config.json fallbacks apply there."""

    ref_args: dict[str, str | None]
    subscriptions: tuple[DesiredSubscription, ...]
    location: Position = (1, 1)


@dataclass(frozen=True)
class Manifest:
    """A loaded manifest. ``secrets``: every value a ``${VAR}`` reference brought in, for output to redact."""

    workspaces: tuple[WorkspaceSpec, ...]
    source: str
    secrets: frozenset[str] = frozenset()


def load_manifest(path: str, env: Mapping[str, str] | None = None, *, now: datetime | None = None) -> Manifest:
    """Read and check the manifest file at ``path``; ``env`` (default ``os.environ``) resolves ``${VAR}``."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"cannot read manifest '{path}': {getattr(exc, 'strerror', None) or exc}") from None
    return parse_manifest(text, source=path, env=env, now=now)


def parse_manifest(text: str, *, source: str = "<manifest>", env: Mapping[str, str] | None = None,
                   now: datetime | None = None) -> Manifest:
    """Check a manifest's YAML ``text`` (named ``source`` in errors) and build its desired subscriptions.

    ``now`` (default: the current UTC time) is what expiration dates must lie after.
    """
    doc = _Document(text, source)
    found = violations(doc.data)
    if found:
        first = min(found, key=lambda v: (v.missing, doc.position(v.path, key=v.at_key)))
        raise doc.error(first.path, first.message, hint=first.hint, key=first.at_key)
    secrets = _Expander(doc, os.environ if env is None else env).expand_all()
    builder = _Builder(doc, secrets, now)
    workspaces = tuple(builder.workspace(i) for i in range(len(doc.data["workspaces"])))
    return Manifest(workspaces, source, frozenset(secrets))


def read_yaml(text: str, *, source: str = "<manifest>") -> Any:
    """A manifest's YAML as plain data, read as the loader reads it (YAML 1.2 scalars, duplicate keys refused),
    before any check or ``${VAR}`` expansion."""
    return _Document(text, source).data


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


# --- 1. YAML with positions -------------------------------------------------------------------------------------

# YAML 1.2 core schema (what editors use): no yes/no/on/off booleans, no dates, no sexagesimal numbers.
_NULL = re.compile(r"~|null|Null|NULL|")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_STR_TAG, _SEQ_TAG, _MAP_TAG = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_IMPLICIT = yaml.resolver.Resolver()  # tells an explicit tag (!!str 3, !Ref x) from an implied one


def plain_scalar(text: str) -> Any:
    """The value of an unquoted YAML 1.2 scalar."""
    if _NULL.fullmatch(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.fullmatch(text):
        return int(text, 8 if text.startswith("0o") else 16 if text.startswith("0x") else 10)
    if _FLOAT.fullmatch(text):
        return float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))
    return text


def _tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


class _Document:
    """The manifest as plain data, with the 1-based position of each value (``values``) and key (``keys``)."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.lines = text.splitlines()
        self.values: dict[Path, Position] = {}
        self.keys: dict[Path, Position] = {}
        self.raw: dict[Path, str] = {}  # the text of plain and single-line quoted scalars, for exact columns
        self.nulls: set[Path] = set()  # empty values: errors point at their key
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
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
        if id(node) in active:
            raise self.error(path, "a YAML alias refers to a node that contains it")
        active = (*active, id(node))
        if isinstance(node, yaml.ScalarNode):
            implied = _IMPLICIT.resolve(yaml.ScalarNode, node.value, (node.style is None, node.style is not None))
            if node.tag != implied and node.tag != _STR_TAG:
                raise self.error(path, f"the YAML tag {_tag(node.tag)} is not supported", hint="Remove the tag.")
            value = plain_scalar(node.value) if node.style is None and node.tag == implied else node.value
            if value is None:
                self.nulls.add(path)
            if node.start_mark.line == node.end_mark.line and isinstance(value, str):
                self.raw[path] = node.value
            return value
        if node.tag not in (_SEQ_TAG, _MAP_TAG):
            raise self.error(path, f"the YAML tag {_tag(node.tag)} is not supported", hint="Remove the tag.")
        if isinstance(node, yaml.SequenceNode):
            return [self._convert(item, (*path, i), active) for i, item in enumerate(node.value)]
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.error(path, "a key must be a plain string, not a list or mapping")
            key = key_node.value
            key_path = (*path, key)
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.keys[key_path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                raise self.error(key_path, "YAML merge keys (<<) are not supported", key=True,
                                 hint="Put shared settings under 'defaults'.")
            if key in out:
                first = self.keys[key_path][0]
                self.keys[key_path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                raise self.error(key_path, f"duplicate key '{key}' (first given on line {first})", key=True,
                                 hint="Give each key once; YAML would silently keep only the last.")
            self.keys[key_path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = self._convert(value_node, key_path, active)
        return out

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
              offset: int | None = None) -> ManifestError:
        """A ``ManifestError`` at ``path``; ``offset`` moves the column inside a one-line string scalar."""
        line, column = self.position(path, key=key)
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


# --- 3. ${VAR} (step 2, the schema, is core.manifest_schema) ---------------------------------------------------

_REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Expander:
    def __init__(self, doc: _Document, env: Mapping[str, str]) -> None:
        self.doc, self.env = doc, env
        self.secrets: dict[str, str] = {}  # value -> the variable it came from

    def expand_all(self) -> dict[str, str]:
        self.doc.data = self._walk(self.doc.data, ())
        return self.secrets

    def _walk(self, value: Any, path: Path) -> Any:
        if isinstance(value, dict):
            return {k: self._walk(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(v, (*path, i)) for i, v in enumerate(value)]
        return self._expand(value, path) if isinstance(value, str) and "$" in value else value

    def _expand(self, text: str, path: Path) -> str:
        def replace(match: re.Match[str]) -> str:
            if match.group(0) == "$${":
                return "${"
            name = match.group(1)
            if name is None:
                raise self.doc.error(path, "unterminated ${", offset=match.start(),
                                     hint="Close it with '}', or write $${ for a literal ${.")
            if not _VARIABLE.fullmatch(name):
                raise self.doc.error(path, f"'${{{name}}}' is not a variable reference", offset=match.start(),
                                     hint="Write ${NAME} (letters, digits, _), or $${ for a literal ${.")
            if name not in self.env:
                raise self.doc.error(path, f"environment variable {name} is not set", offset=match.start(),
                                     hint=f"Set {name}, e.g. export {name}=..., or write $${{ for a literal ${{.")
            value = self.env[name]
            if value:
                self.secrets[value] = name
            return value

        expanded = _REFERENCE.sub(replace, text)
        if expanded != text:
            self.doc.raw.pop(path, None)  # offsets into the expanded text no longer match the file
        return expanded


# --- 4. building subscriptions ---------------------------------------------------------------------------------

# The CLI flag named in a core error -> the manifest key (relative to the subscription) it came from.
_FLAG_KEYS: dict[str, Path] = {
    "--endpoint": ("destination", "endpoint"),
    "--endpoint-type": ("destination", "endpointType"),
    "--max-events-per-batch": ("destination", "maxEventsPerBatch"),
    "--preferred-batch-size-in-kilobytes": ("destination", "preferredBatchSizeInKilobytes"),
    "--aad-tenant-id": ("destination", "aadTenantId"),
    "--aad-app-id-or-uri": ("destination", "aadAppIdOrUri"),
    "--delivery-attribute-mapping": ("destination", "deliveryAttributes"),
    "--storage-queue-msg-ttl": ("destination", "storageQueueMessageTtlSeconds"),
    "--min-tls-version": ("destination", "minTlsVersion"),
    "--delivery-identity": ("destination", "identity", "type"),
    "--delivery-identity-user-id": ("destination", "identity", "userAssignedIdentity"),
    "--deadletter-endpoint": ("deadLetter", "endpoint"),
    "--deadletter-identity": ("deadLetter", "identity", "type"),
    "--deadletter-identity-user-id": ("deadLetter", "identity", "userAssignedIdentity"),
    "--max-delivery-attempts": ("retry", "maxDeliveryAttempts"),
    "--event-ttl": ("retry", "eventTtlMinutes"),
    "--expiration-date": ("expiration",),
    "--labels": ("labels",),
    "--event-delivery-schema": ("deliverySchema",),
    "--event-type": ("eventTypes",),
    "--subject-begins-with": ("subjectBeginsWith",),
    "--subject-ends-with": ("subjectEndsWith",),
    "--advanced-filter": ("advancedFilters",),
    "--model-name": ("shortcuts", "modelName"),
    "--model-version": ("shortcuts", "modelVersion"),
    "--experiment-id": ("shortcuts", "experimentId"),
    "--experiment-name": ("shortcuts", "experimentName"),
    "--service-name": ("shortcuts", "serviceName"),
    "--model-tag": ("shortcuts", "modelTags"),
    "--run-tag": ("shortcuts", "runTags"),
    "--run-status": ("shortcuts", "runStatus"),
}
_FLAG = re.compile(r"--[a-z][a-z0-9-]*")


@dataclass(frozen=True)
class _Layer:
    """One source of a subscription's settings (the subscription, its workspace, the defaults) and its path."""

    data: dict[str, Any]
    path: Path


class _Builder:
    def __init__(self, doc: _Document, secrets: dict[str, str], now: datetime | None) -> None:
        self.doc, self.secrets, self.now = doc, secrets, now
        self.defaults = _Layer(doc.get(("defaults",), {}), ("defaults",))
        self.seen_workspaces: dict[tuple[str | None, ...], Path] = {}

    def workspace(self, index: int) -> WorkspaceSpec:
        path: Path = ("workspaces", index)
        raw: dict[str, Any] = self.doc.get(path)
        ref_args = self._ref_args(raw, path)
        key = _identity_key(ref_args)
        if key in self.seen_workspaces:
            first = self.doc.position(self.seen_workspaces[key])[0]
            raise self.doc.error(path, f"this workspace is already listed (line {first})",
                                 hint="List each workspace once, with all of its subscriptions.")
        self.seen_workspaces[key] = path
        scope = _Layer({"systemTopic": raw["systemTopic"]} if "systemTopic" in raw else {}, path)
        subs: list[DesiredSubscription] = []
        names: dict[str, Path] = {}
        topic: tuple[str, Path] | None = None  # the first system topic named, and where
        for i in range(len(raw["subscriptions"])):
            own = _Layer(self.doc.get((*path, "subscriptions", i)), (*path, "subscriptions", i))
            desired = self.subscription(own, scope)
            first_name = names.setdefault(desired.name.lower(), (*own.path, "name"))
            if first_name != (*own.path, "name"):
                raise self.doc.error((*own.path, "name"), f"duplicate subscription name '{desired.name}' in this "
                                     f"workspace (first on line {self.doc.position(first_name)[0]})",
                                     hint="Names compare case-insensitively.")
            if isinstance(desired.system_topic, str):
                where = self._origin(("systemTopic",), own, scope)
                topic = topic or (desired.system_topic, where)
                if topic[0].lower() != desired.system_topic.lower():
                    raise self.doc.error(where, f"system topic '{desired.system_topic}' differs from '{topic[0]}' "
                                         f"(line {self.doc.position(topic[1])[0]})",
                                         hint="A workspace has one system topic: use the same name, or true.")
            subs.append(desired)
        return WorkspaceSpec(ref_args, tuple(subs), self.doc.position(path))

    def _ref_args(self, raw: dict[str, Any], path: Path) -> dict[str, str | None]:
        if "id" in raw:
            for other in ("name", "resourceGroup", "subscriptionId"):
                if other in raw:
                    raise self.doc.error((*path, other), f"'{other}' cannot be combined with 'id'", key=True,
                                         hint="Give either the workspace's id, or its name and resourceGroup.")
            try:
                WorkspaceRef.parse(raw["id"])
            except InvalidInputError as exc:
                raise self.doc.error((*path, "id"), exc.message, hint=exc.hint) from None
        elif "name" not in raw:
            raise self.doc.error(path, "a workspace needs 'name' (with resourceGroup) or 'id'",
                                 hint="Add name: and resourceGroup:, or id: /subscriptions/.../workspaces/NAME.")
        return {"workspace": raw.get("name"), "resource_group": raw.get("resourceGroup"),
                "subscription": raw.get("subscriptionId"), "workspace_id": raw.get("id")}

    def subscription(self, own: _Layer, scope: _Layer) -> DesiredSubscription:
        """Build one subscription, merged over its workspace's and the manifest's defaults."""
        spec = _merge(_merge(self.defaults.data, scope.data), own.data)
        try:
            check_name(spec["name"])
        except InvalidInputError as exc:
            raise self.doc.error((*own.path, "name"), exc.message, hint=exc.hint) from None
        flags = self._flags(spec, own, scope)
        options = _options(spec, self._attributes(spec, own, scope))
        with self._located(spec, own, scope):
            event_filter = new_filter(flags)
            properties = build_properties(options, event_filter, now=self.now)
        return DesiredSubscription(spec["name"], spec.get("systemTopic", False), event_filter, options, properties,
                                   self.doc.position(own.path))

    def _origin(self, rel: Path, own: _Layer, scope: _Layer) -> Path:
        """Where in the file a merged subscription's key ``rel`` comes from: the subscription, its workspace or
        the defaults; for a key given nowhere, the nearest enclosing key the subscription has."""
        if self.doc.has((*own.path, *rel)):
            return (*own.path, *rel)
        if self._inherited(rel, own.data):
            for layer in (scope, self.defaults):
                if self.doc.has((*layer.path, *rel)):
                    return (*layer.path, *rel)
        for cut in range(len(rel) - 1, 0, -1):
            if self.doc.has((*own.path, *rel[:cut])):
                return (*own.path, *rel[:cut])
        return own.path

    def _inherited(self, rel: Path, own: dict[str, Any]) -> bool:
        """False when the subscription replaces, rather than merges, a value that encloses ``rel``."""
        for cut in range(1, len(rel)):
            value = _lookup(own, rel[:cut])
            if value is None:
                return True
            if isinstance(value, list) or rel[cut - 1] in _ATOMIC or (
                    rel[:cut] == ("destination",) and _replaces_destination(own, self.defaults.data)):
                return False
        return True

    @contextmanager
    def _located(self, spec: dict[str, Any], own: _Layer, scope: _Layer) -> Iterator[None]:
        """Turn a core ``InvalidInputError`` into a ``ManifestError`` at the key its message names."""
        try:
            yield
        except ManifestError:
            raise
        except InvalidInputError as exc:
            rels = [_FLAG_KEYS[f] for f in _FLAG.findall(exc.message) if f in _FLAG_KEYS]
            if not rels and isinstance(exc, LimitExceededError):
                rels = [("advancedFilters",)]
            rel = next((r for r in rels if _lookup(spec, r) is not None), rels[0] if rels else ())
            path = self._origin(rel, own, scope)
            # "--event-ttl must be ..." located at retry.eventTtlMinutes reads "retry.eventTtlMinutes: must be ..."
            flags = _FLAG.findall(exc.message)
            alone = len(flags) == 1 and _FLAG_KEYS.get(flags[0]) == rel and path[-len(rel):] == rel
            detail = self._reworded(exc.message.removeprefix(flags[0] + " ") if alone else exc.message)
            if path[: len(own.path)] != own.path:
                detail += f" (in {path_text(own.path)})"
            raise self.doc.error(path, detail, hint=exc.hint and self._reworded(exc.hint)) from None

    def _reworded(self, text: str) -> str:
        """A core message in the manifest's words: flags become keys, secret values become their ${VAR}."""
        text = _FLAG.sub(lambda m: path_text(_FLAG_KEYS.get(m.group(0), (m.group(0),))), text)
        for value, name in sorted(self.secrets.items(), key=lambda item: -len(item[0])):
            if len(value) >= 3:
                text = text.replace(value, "${" + name + "}")
        return text

    def _flags(self, spec: dict[str, Any], own: _Layer, scope: _Layer) -> FilterFlags:
        for i, name in enumerate(spec.get("eventTypes") or ()):
            try:
                get_event_type(name)
            except InvalidInputError as exc:
                raise self.doc.error(self._origin(("eventTypes", i), own, scope), exc.message, hint=exc.hint) from None
        filters = [self._advanced_filter(item, self._origin(("advancedFilters", i), own, scope))
                   for i, item in enumerate(spec.get("advancedFilters") or ())]
        cuts = spec.get("shortcuts", {})
        version = cuts.get("modelVersion")
        return FilterFlags(
            event_types=spec.get("eventTypes"),
            subject_begins_with=spec.get("subjectBeginsWith"),
            subject_ends_with=spec.get("subjectEndsWith"),
            subject_case_sensitive=spec.get("subjectCaseSensitive"),
            advanced_filters=filters or None,
            enable_arrays=spec.get("advancedFilteringOnArrays"),
            shortcuts=AmlShortcuts(
                model_name=cuts.get("modelName"),
                model_version=None if version is None else str(version),  # YAML reads 3 as a number
                experiment_id=cuts.get("experimentId"),
                experiment_name=cuts.get("experimentName"),
                service_name=cuts.get("serviceName"),
                model_tags=tuple((k, str(v)) for k, v in cuts.get("modelTags", {}).items()),
                run_tags=tuple((k, str(v)) for k, v in cuts.get("runTags", {}).items()),
                run_statuses=tuple(cuts.get("runStatus", ())),
            ),
        )

    def _advanced_filter(self, item: Any, path: Path) -> AdvancedFilter:
        if isinstance(item, str):
            try:
                return parse_advanced_filter(item)
            except FilterSyntaxError as exc:
                line, column = self.doc.position(path)
                column += self.doc.offset_in_scalar(path, exc.position)
                raise ManifestFilterError(exc, source=self.doc.source, line=line, column=column, path=path) from None
        try:
            return AdvancedFilter.from_wire(item, where="")
        except InvalidInputError as exc:
            detail = exc.message.removeprefix(": ")
            field = next((f for f in ("values", "value", "key") if f"'{f}'" in detail or f" {f}[" in detail), None)
            raise self.doc.error((*path, field) if field in item else path, detail, hint=exc.hint) from None

    def _attributes(self, spec: dict[str, Any], own: _Layer, scope: _Layer) -> tuple[DeliveryAttribute, ...] | None:
        items = spec.get("destination", {}).get("deliveryAttributes")
        if items is None:
            return None
        out = []
        for i, item in enumerate(items):
            try:
                out.append(DeliveryAttribute(item["name"], item["type"].capitalize(), value=item.get("value"),
                                             is_secret=item.get("secret", False), source_field=item.get("sourceField")))
            except InvalidInputError as exc:
                path = self._origin(("destination", "deliveryAttributes", i), own, scope)
                raise self.doc.error(path, self._reworded(exc.message), hint=exc.hint) from None
        return tuple(out)


def _identity_key(ref_args: dict[str, str | None]) -> tuple[str | None, ...]:
    """What makes two workspace entries the same workspace (as far as the file tells)."""
    if ref_args["workspace_id"]:
        ref = WorkspaceRef.parse(ref_args["workspace_id"])
        parts: tuple[str | None, ...] = (ref.subscription_id, ref.resource_group, ref.name)
    else:
        parts = (ref_args["subscription"], ref_args["resource_group"], ref_args["workspace"])
    return tuple(p.lower() if p else None for p in parts)


def _lookup(data: Any, rel: Path) -> Any:
    for part in rel:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


_ATOMIC = {"identity"}  # replaced whole: a user-assigned id must not outlive a switch to systemassigned


def _replaces_destination(own: dict[str, Any], defaults: dict[str, Any]) -> bool:
    """A subscription's destination of another endpoint type replaces the default one instead of merging."""
    mine, default = own.get("destination", {}), defaults.get("destination", {})
    if "endpointType" not in mine:
        return False
    return mine["endpointType"].lower() != default.get("endpointType", "webhook").lower()


def _merge(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """``own`` over ``base``: own keys win, mappings merge, lists replace."""
    out = dict(base)
    for key, value in own.items():
        if key == "destination" and _replaces_destination(own, base):
            out[key] = value
        elif isinstance(value, dict) and isinstance(out.get(key), dict) and key not in _ATOMIC:
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _options(spec: dict[str, Any], attributes: tuple[DeliveryAttribute, ...] | None) -> SubscriptionOptions:
    dest = spec.get("destination", {})
    dead = spec.get("deadLetter", {})
    retry = spec.get("retry", {})
    tls = dest.get("minTlsVersion")
    labels = spec.get("labels")
    return SubscriptionOptions(
        endpoint=dest.get("endpoint"),
        endpoint_type=dest.get("endpointType"),
        max_events_per_batch=dest.get("maxEventsPerBatch"),
        preferred_batch_size_kb=dest.get("preferredBatchSizeInKilobytes"),
        aad_tenant_id=dest.get("aadTenantId"),
        aad_app_id_or_uri=dest.get("aadAppIdOrUri"),
        delivery_attributes=attributes,
        storage_queue_ttl_seconds=dest.get("storageQueueMessageTtlSeconds"),
        min_tls_version=f"{tls:.1f}" if isinstance(tls, float) else tls,  # YAML reads 1.2 as a number
        delivery_identity=dest.get("identity", {}).get("type"),
        delivery_identity_user_id=dest.get("identity", {}).get("userAssignedIdentity"),
        deadletter_endpoint=dead.get("endpoint"),
        deadletter_identity=dead.get("identity", {}).get("type"),
        deadletter_identity_user_id=dead.get("identity", {}).get("userAssignedIdentity"),
        max_delivery_attempts=retry.get("maxDeliveryAttempts"),
        event_ttl_minutes=retry.get("eventTtlMinutes"),
        expiration=spec.get("expiration"),
        labels=tuple(labels) if labels is not None else None,
        delivery_schema=spec.get("deliverySchema"),
    )


def manifest_summary(manifest: Manifest) -> list[dict[str, Any]]:
    """One row per desired subscription: workspace, name, where, destination type, event types, filter count."""
    rows = []
    for ws in manifest.workspaces:
        args = ws.ref_args
        group, name = args["resource_group"], args["workspace"]
        if args["workspace_id"]:
            ref = WorkspaceRef.parse(args["workspace_id"])
            group, name = ref.resource_group, ref.name
        workspace = f"{group}/{name}" if group else name
        for sub in ws.subscriptions:
            props = sub.properties
            destination = props.get("destination") or props["deliveryWithResourceIdentity"]["destination"]
            types = sub.event_filter.included_event_types
            rows.append({
                "workspace": workspace,
                "name": sub.name,
                "kind": "system-topic" if sub.system_topic is not False else "workspace",
                "systemTopic": sub.system_topic if isinstance(sub.system_topic, str) else None,
                "endpointType": destination["endpointType"],
                "eventTypes": [get_event_type(t).name for t in types] if types else [],
                "advancedFilters": len(sub.event_filter.filters),
            })
    return rows


# --- export -------------------------------------------------------------------------------------------------------

_ALL_TYPES = frozenset(info.event_type.lower() for info in EVENT_TYPES)
_ENDPOINT_NAMES = {wire: name for name, wire in ENDPOINT_TYPES.items()}
_SCHEMA_NAMES = {wire: name for name, wire in SCHEMAS.items()}
_WORKSPACE_KEYS = {"workspace": "name", "resource_group": "resourceGroup", "subscription": "subscriptionId",
                   "workspace_id": "id"}


class _Reference(str):
    """A ``${VAR}`` the export wrote on purpose: not escaped like the literal strings around it."""


def dump_manifest(
    workspaces: Sequence[tuple[WorkspaceRef | Mapping[str, Any], Sequence[Mapping[str, Any]]]],
) -> tuple[str, dict[str, str]]:
    """Deployed subscriptions as manifest YAML, and the environment variables it references.

    ``workspaces`` pairs a workspace (a ``WorkspaceRef``, manifest keys, or ``resolve_workspace`` arguments) with
    its event-subscription resources as GET returns them (webhooks with the full ``endpointUrl`` from getFullUrl,
    secret delivery attributes with their values from getDeliveryAttributes, where known). Server defaults are
    left out; advanced filters are written as text when that parses back to the same filter. Webhook query values
    and secret attribute values become ``${AMLEVENTS_<SUBSCRIPTION>_<NAME>}``; the second result maps each such
    variable to its value. Loading the YAML with those variables set gives the same properties.
    """
    variables: dict[str, str] = {}
    entries = []
    for workspace, resources in workspaces:
        if isinstance(workspace, WorkspaceRef):
            entry: dict[str, Any] = {"name": workspace.name, "resourceGroup": workspace.resource_group,
                                     "subscriptionId": workspace.subscription_id}
        else:
            entry = {_WORKSPACE_KEYS.get(k, k): v for k, v in workspace.items() if v is not None}
        entry["subscriptions"] = [_literal(_exported(dict(r), variables)) for r in resources]
        entries.append(entry)
    text = yaml.dump({"version": 1, "workspaces": entries}, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=120)
    return text, variables


def _exported(resource: dict[str, Any], variables: dict[str, str]) -> dict[str, Any]:
    props = resource.get("properties") or {}
    name = resource["name"]
    entry: dict[str, Any] = {"name": name}
    ids = (resource.get("id") or "").split("/")
    lowered = [part.lower() for part in ids]
    if "systemtopics" in lowered:
        entry["systemTopic"] = ids[lowered.index("systemtopics") + 1]
    elif "systemtopics" in (resource.get("type") or "").lower():
        entry["systemTopic"] = True
    entry.update(_exported_filter(props.get("filter") or {}))
    wrapper = props.get("deliveryWithResourceIdentity") or {}
    destination = wrapper.get("destination") or props.get("destination")
    if destination:
        entry["destination"] = _exported_destination(destination, wrapper.get("identity"), name, variables)
    wrapper = props.get("deadLetterWithResourceIdentity") or {}
    dead = wrapper.get("deadLetterDestination") or props.get("deadLetterDestination")
    if dead:
        dead_props = dead.get("properties") or {}
        entry["deadLetter"] = {"endpoint": f"{dead_props.get('resourceId')}/blobServices/default/containers/"
                                           f"{dead_props.get('blobContainerName')}"}
        if wrapper.get("identity"):
            entry["deadLetter"]["identity"] = _exported_identity(wrapper["identity"])
    retry = props.get("retryPolicy") or {}
    kept = {"maxDeliveryAttempts": retry.get("maxDeliveryAttempts") not in (None, DEFAULT_MAX_DELIVERY_ATTEMPTS),
            "eventTtlMinutes": retry.get("eventTimeToLiveInMinutes") not in (None, DEFAULT_EVENT_TTL_MINUTES)}
    if any(kept.values()):
        entry["retry"] = {k: retry["eventTimeToLiveInMinutes" if k == "eventTtlMinutes" else k]
                          for k, keep in kept.items() if keep}
    if props.get("expirationTimeUtc"):
        entry["expiration"] = props["expirationTimeUtc"]
    if props.get("labels"):
        entry["labels"] = list(props["labels"])
    schema = props.get("eventDeliverySchema")
    if schema and schema != DEFAULT_SCHEMA:
        entry["deliverySchema"] = _SCHEMA_NAMES.get(schema, schema)
    return entry


def _exported_filter(f: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    types = f.get("includedEventTypes") or []
    if types and {t.lower() for t in types} != _ALL_TYPES:
        out["eventTypes"] = [get_event_type(t).name if is_aml_event_type(t) else t for t in types]
    for wire, key in (("subjectBeginsWith", "subjectBeginsWith"), ("subjectEndsWith", "subjectEndsWith")):
        if f.get(wire):
            out[key] = f[wire]
    if f.get("isSubjectCaseSensitive"):
        out["subjectCaseSensitive"] = True
    if f.get("advancedFilters"):
        out["advancedFilters"] = [_exported_advanced(a) for a in f["advancedFilters"]]
    if f.get("enableAdvancedFilteringOnArrays"):
        out["advancedFilteringOnArrays"] = True
    return out


def _exported_advanced(wire: dict[str, Any]) -> str | dict[str, Any]:
    """The filter's text when it parses back to the same filter, else the ARM object."""
    try:
        parsed = AdvancedFilter.from_wire(wire)
        text = format_advanced_filter(parsed)
        if parse_advanced_filter(text).to_wire() == parsed.to_wire():
            return text
    except InvalidInputError:
        pass
    return dict(wire)


def _exported_destination(destination: dict[str, Any], identity: dict[str, Any] | None, name: str,
                          variables: dict[str, str]) -> dict[str, Any]:
    kind = destination.get("endpointType")
    props = destination.get("properties") or {}
    out: dict[str, Any] = {"endpointType": _ENDPOINT_NAMES.get(kind, kind)}
    if kind == "WebHook":
        out["endpoint"] = _templated_url(props.get("endpointUrl") or props.get("endpointBaseUrl") or "", name,
                                         variables)
    else:
        out["endpoint"] = endpoint_of(destination)
    for wire, key, default in _DESTINATION_FIELDS:
        if props.get(wire) not in (None, default):
            out[key] = props[wire]
    mappings = props.get("deliveryAttributeMappings") or []
    if mappings:
        out["deliveryAttributes"] = [_exported_mapping(m, name, variables) for m in mappings]
    if identity:
        out["identity"] = _exported_identity(identity)
    return out


_DESTINATION_FIELDS = (  # wire name, manifest key, the server default left out
    ("maxEventsPerBatch", "maxEventsPerBatch", DEFAULT_MAX_EVENTS_PER_BATCH),
    ("preferredBatchSizeInKilobytes", "preferredBatchSizeInKilobytes", DEFAULT_PREFERRED_BATCH_SIZE_KB),
    ("azureActiveDirectoryTenantId", "aadTenantId", None),
    ("azureActiveDirectoryApplicationIdOrUri", "aadAppIdOrUri", None),
    ("minimumTlsVersionAllowed", "minTlsVersion", None),
    ("queueMessageTimeToLiveInSeconds", "storageQueueMessageTtlSeconds", None),
)


def _exported_mapping(m: dict[str, Any], name: str, variables: dict[str, str]) -> dict[str, Any]:
    props = m.get("properties") or {}
    if m.get("type") == "Dynamic":
        return {"name": m.get("name"), "type": "dynamic", "sourceField": props.get("sourceField")}
    out: dict[str, Any] = {"name": m.get("name"), "type": "static", "value": props.get("value")}
    if props.get("isSecret"):
        out["value"] = _variable(name, str(m.get("name")), str(props.get("value")), variables)
        out["secret"] = True
    return out


def _exported_identity(identity: dict[str, Any]) -> dict[str, Any]:
    out = {"type": str(identity.get("type")).lower()}
    if identity.get("userAssignedIdentity"):
        out["userAssignedIdentity"] = identity["userAssignedIdentity"]
    return out


def _templated_url(url: str, name: str, variables: dict[str, str]) -> str:
    """The URL with each query value replaced by a ``${VAR}`` (recorded in ``variables``)."""
    head, question, rest = url.partition("?")
    query, hash_sign, fragment = rest.partition("#")
    if not query:
        return url
    parts = []
    for part in query.split("&"):
        key, equals, value = part.partition("=")
        if not equals:  # "?secret": the whole part is the value
            parts.append(_variable(name, "query", part, variables) if part else part)
        else:
            parts.append(_Reference(f"{_escaped(key)}={_variable(name, unquote_plus(key), value, variables)}")
                         if value else part)
    return _Reference(_escaped(head) + question + "&".join(parts) + hash_sign + _escaped(fragment))


def _variable(subscription: str, field: str, value: str, variables: dict[str, str]) -> _Reference:
    base = re.sub(r"[^A-Z0-9]", "_", f"AMLEVENTS_{subscription}_{field}".upper())
    name, n = base, 2
    while variables.get(name, value) != value:  # the same name for another value: number it
        name, n = f"{base}_{n}", n + 1
    variables[name] = value
    return _Reference("${" + name + "}")


def _escaped(text: str) -> str:
    return text.replace("${", "$${")


def _literal(value: Any) -> Any:
    """Every string taken from Azure with ``${`` escaped, so that loading gives back the same text."""
    if isinstance(value, _Reference):
        return str(value)
    if isinstance(value, str):
        return _escaped(value)
    if isinstance(value, dict):
        return {k: _literal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_literal(v) for v in value]
    return value


class _Dumper(yaml.SafeDumper):
    """Indented lists, and quotes around every string a YAML 1.2 reader would not read back as that string."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def represent_str(self, data: str) -> yaml.ScalarNode:
        node = super().represent_str(data)
        if node.style is None and plain_scalar(data) != data:
            node.style = "'"
        return node


_Dumper.add_representer(str, _Dumper.represent_str)
