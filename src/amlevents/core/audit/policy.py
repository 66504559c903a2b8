"""A policy manifest as an audit reads it: which workspaces must hold which event subscriptions (by name).

A manifest entry names a workspace by subscription, resource group and name; a part it leaves out matches every
workspace, so one entry without a name covers a whole resource group (a policy for every workspace there).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from amlevents.core.audit.rules import Finding


@dataclass(frozen=True)
class PolicyEntry:
    """Workspaces (each part None: any) and the subscription names each of them must have."""

    subscription: str | None
    resource_group: str | None
    workspace: str | None
    required: tuple[str, ...]

    @classmethod
    def from_ref_args(cls, ref_args: Mapping[str, str | None], names: Iterable[str]) -> PolicyEntry:
        """From a manifest ``WorkspaceSpec``'s ``ref_args`` (``workspace_id`` or the three parts)."""
        if ref_args.get("workspace_id"):
            parts = str(ref_args["workspace_id"]).strip("/").split("/")
            sub, group, name = parts[1], parts[3], parts[-1]
        else:
            sub, group, name = ref_args.get("subscription"), ref_args.get("resource_group"), ref_args.get("workspace")
        return cls(sub, group, name, tuple(names))

    def covers(self, row: Mapping[str, Any]) -> bool:
        """True when a workspace row (``subscriptionId``, ``resourceGroup``, ``name``) is one this entry names."""
        pairs = ((self.subscription, "subscriptionId"), (self.resource_group, "resourceGroup"),
                 (self.workspace, "name"))
        return all(want is None or want.lower() == str(row.get(key) or "").lower() for want, key in pairs)


def missing_required(entries: Iterable[PolicyEntry], workspaces: Iterable[Mapping[str, Any]],
                     present: Mapping[str, set[str]]) -> list[Finding]:
    """A ``policy-missing`` finding per (workspace, required name) absent; ``present`` maps a workspace id
    (lower case) to the lower-case names of its subscriptions."""
    findings: list[Finding] = []
    entries = list(entries)
    for row in workspaces:
        have = present.get(str(row.get("id") or "").lower(), set())
        wanted = dict.fromkeys(n for e in entries if e.covers(row) for n in e.required)
        findings += [Finding(str(row.get("id")), name, "policy-missing",
                             f"required by the policy manifest, absent from workspace '{row.get('name')}'")
                     for name in wanted if name.lower() not in have]
    return findings
