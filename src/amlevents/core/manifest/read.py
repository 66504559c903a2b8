"""Desired state: a YAML manifest of workspaces and their event subscriptions, read into the CLI's own model.

Reading goes through four steps, each failing with a ``ManifestError`` located at ``file:line:column``:

1. YAML to plain data with the position of every value and key (``core.manifest_yaml``). Scalars follow YAML 1.2
   (core schema), as editors read them: ``yes``, ``on`` and ``2027-01-01`` are strings. Duplicate keys are refused.
   The work is bounded (size, nesting, alias expansion, integer digits: ``core.documents``).
2. The JSON Schema of ``core.manifest_schema`` (wrong types, unknown keys, ranges, enums).
3. ``${VAR}`` references in strings are replaced by environment variables (``$${`` is a literal ``${``): here.
4. Every subscription, merged with the defaults, is built exactly as ``subscription create`` builds it
   (``new_filter`` and ``build_properties``), so every rule of the flags applies; names must be unique
   (``core.manifest_build``).

The model it reads into (``Manifest``, ``WorkspaceSpec``, ``DesiredSubscription``) and ``ManifestError`` are in
``core.manifest_model``; ``dump_manifest`` (``core.manifest_export``) writes deployed subscriptions back as a
manifest (for ``amlevents export``). All of these are importable from here as well.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from amlevents.core.catalog import get_event_type
from amlevents.core.documents import MAX_MANIFEST_BYTES
from amlevents.core.errors import InvalidInputError
from amlevents.core.manifest.build import Builder
from amlevents.core.manifest.document import Document, plain_scalar, read_yaml
from amlevents.core.manifest.export import dump_manifest
from amlevents.core.manifest.model import (
    DesiredSubscription,
    Manifest,
    ManifestError,
    Path,
    WorkspaceSpec,
    path_text,
)
from amlevents.core.manifest.schema import violations
from amlevents.core.subscription import destination_of
from amlevents.core.workspace import WorkspaceRef

__all__ = [
    "DesiredSubscription", "Manifest", "ManifestError", "WorkspaceSpec", "dump_manifest", "load_manifest",
    "manifest_summary", "parse_manifest", "path_text", "plain_scalar", "read_yaml",
]


def load_manifest(path: str, env: Mapping[str, str] | None = None, *, now: datetime | None = None,
                  allow_http_loopback: bool = False) -> Manifest:
    """Read and check the manifest file at ``path``; ``env`` (default ``os.environ``) resolves ``${VAR}``;
    ``allow_http_loopback`` as in ``parse_manifest``."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_MANIFEST_BYTES + 1)  # no more than the limit is ever read into memory
        if len(data) > MAX_MANIFEST_BYTES:
            raise InvalidInputError(f"manifest '{path}' is larger than {MAX_MANIFEST_BYTES // 1024} KiB",
                                    hint="split it into several manifests")
        text = data.decode("utf-8")
    except (OSError, ValueError) as exc:  # UnicodeDecodeError, or a NUL in the path
        raise InvalidInputError(f"cannot read manifest '{path}': {getattr(exc, 'strerror', None) or exc}") from None
    return parse_manifest(text, source=path, env=env, now=now, allow_http_loopback=allow_http_loopback)


def parse_manifest(text: str, *, source: str = "<manifest>", env: Mapping[str, str] | None = None,
                   now: datetime | None = None, allow_http_loopback: bool = False) -> Manifest:
    """Check a manifest's YAML ``text`` (named ``source`` in errors) and build its desired subscriptions.

    ``now`` (default: the current UTC time) is what expiration dates must lie after. ``allow_http_loopback``
    (the manifest is applied to the emulator) accepts ``http://`` loopback webhooks, as ``subscription create``.
    """
    doc = Document(text, source)
    found = violations(doc.data)
    if found:
        first = min(found, key=lambda v: (v.missing, doc.position(v.path, key=v.at_key)))
        raise doc.error(first.path, first.message, hint=first.hint, key=first.at_key)
    secrets = _Expander(doc, os.environ if env is None else env).expand_all()
    builder = Builder(doc, secrets, now, allow_http_loopback=allow_http_loopback)
    workspaces = tuple(builder.workspace(i) for i in range(len(doc.data["workspaces"])))
    return Manifest(workspaces, source, frozenset(secrets))


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
            destination = destination_of(props)
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


# --- 3. ${VAR} --------------------------------------------------------------------------------------------------

_REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Expander:
    """Replaces the ``${VAR}`` references of a ``Document`` and remembers every value it brought in."""

    def __init__(self, doc: Document, env: Mapping[str, str]) -> None:
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
