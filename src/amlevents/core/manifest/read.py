"""Desired state: a YAML manifest of workspaces and their event subscriptions, read into the CLI's own model.

Reading goes through four steps, each locating its errors at ``file:line:column`` (a ``ManifestError``):

1. YAML to plain data with the position of every value and key (``document``). Scalars follow YAML 1.2
   (core schema), as editors read them: ``yes``, ``on`` and ``2027-01-01`` are strings. Duplicate keys are refused.
   The work is bounded (size, nesting, alias expansion, integer digits: ``core.documents``). A YAML syntax error
   or a limit stops reading at once: what follows cannot be read.
2. The JSON Schema of ``schema`` (wrong types, unknown keys, ranges, enums).
3. ``${VAR}`` references in strings are replaced by environment variables (``${VAR:-default}`` when unset or
   empty; ``$${`` is a literal ``${``): here.
4. Every subscription, merged with the defaults, is built exactly as ``subscription create`` builds it
   (``new_filter`` and ``build_properties``), so every rule of the flags applies; names must be unique
   (``build``). A subscription with a schema error in it (or in the defaults) is not built: its build errors
   would only repeat it; one with an unset variable has only the keys that do not depend on it checked.

Every other error is reported, all at once: one is raised as itself, more as ``ManifestErrors`` (in file
order). The model it reads into (``Manifest``, ``WorkspaceSpec``, ``DesiredSubscription``) and the errors are
in ``model``; ``dump_manifest`` (``export``) writes deployed subscriptions back as a manifest (for ``amlevents
export``). All of these are importable from here as well.
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
    ManifestErrors,
    Path,
    WorkspaceSpec,
    path_text,
    raise_errors,
)
from amlevents.core.manifest.schema import violations
from amlevents.core.subscription import destination_of
from amlevents.core.workspace import WorkspaceRef

__all__ = [
    "DesiredSubscription", "Manifest", "ManifestError", "ManifestErrors", "WorkspaceSpec", "dump_manifest",
    "load_manifest", "manifest_summary", "parse_manifest", "path_text", "plain_scalar", "read_yaml",
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
    unread = [e.path for e in doc.errors]  # a value left out is no schema error of its own
    found = [v for v in violations(doc.data) if not any(v.path[:len(p)] == p for p in unread)]
    # a missing key is reported after the other problems at its place (a misspelt key is both)
    found.sort(key=lambda v: (doc.position(v.path, key=v.at_key), v.missing))
    errors = doc.errors + [doc.error(v.path, v.message, hint=v.hint, key=v.at_key) for v in found]
    expander = _Expander(doc, os.environ if env is None else env)
    secrets = expander.expand_all()
    errors += expander.errors
    builder = Builder(doc, secrets, now, allow_http_loopback=allow_http_loopback,
                      broken=unread + [v.path for v in found], unset=[e.path for e in expander.errors])
    workspaces = builder.workspaces()
    raise_errors(errors + builder.errors)
    return Manifest(workspaces, source, frozenset(secrets))


def manifest_summary(manifest: Manifest) -> list[dict[str, Any]]:
    """One row per desired subscription: workspace, name, where, destination type, event types, filter count."""
    rows = []
    for ws in manifest.workspaces:
        args = ws.ref_args
        group, name = args.get("resource_group"), args.get("workspace") or "(selected)"
        if args.get("workspace_id"):
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
_VARIABLE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?", re.DOTALL)


class _Expander:
    """Replaces the ``${VAR}`` references of a ``Document``, remembers every value it brought in from the
    environment (``secrets``) and every reference it could not replace (``errors``, a string left as written)."""

    def __init__(self, doc: Document, env: Mapping[str, str]) -> None:
        self.doc, self.env = doc, env
        self.secrets: dict[str, str] = {}  # value -> the variable it came from
        self.errors: list[ManifestError] = []

    def expand_all(self) -> dict[str, str]:
        """Expand every string of the document in place; the values brought in, each mapped to its variable."""
        self.doc.data = self._walk(self.doc.data, ())
        return self.secrets

    def _walk(self, value: Any, path: Path) -> Any:
        if isinstance(value, dict):
            return {k: self._walk(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(v, (*path, i)) for i, v in enumerate(value)]
        return self._expand(value, path) if isinstance(value, str) and "$" in value else value

    def _expand(self, text: str, path: Path) -> str:
        failed = len(self.errors)

        def fail(match: re.Match[str], detail: str, hint: str) -> str:
            self.errors.append(self.doc.error(path, detail, offset=match.start(), hint=hint))
            return match.group(0)

        def replace(match: re.Match[str]) -> str:
            if match.group(0) == "$${":
                return "${"
            inner = match.group(1)
            if inner is None:
                return fail(match, "unterminated ${", "Close it with '}', or write $${ for a literal ${.")
            reference = _VARIABLE.fullmatch(inner)
            if not reference:
                return fail(match, f"'${{{inner}}}' is not a variable reference",
                            "Write ${NAME} or ${NAME:-default} (NAME: letters, digits, _), or $${ for a literal ${.")
            name, default = reference.groups()
            value = self.env.get(name)
            if default is not None and not value:
                return default  # written in the file: not a secret
            if value is None:
                return fail(match, f"environment variable {name} is not set",
                            f"Set {name}, e.g. export {name}=..., or write $${{ for a literal ${{.")
            if value:
                self.secrets[value] = name
            return value

        expanded = _REFERENCE.sub(replace, text)
        if len(self.errors) > failed:
            return text  # as written: its other references may hold secrets, and nothing will be built from it
        if expanded != text:
            self.doc.raw.pop(path, None)  # offsets into the expanded text no longer match the file
        return expanded
