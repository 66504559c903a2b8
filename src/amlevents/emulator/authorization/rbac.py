"""Azure RBAC evaluation, pure: wildcard actions, notActions, scope inheritance.

Rules modelled (Azure RBAC's, https://learn.microsoft.com/azure/role-based-access-control/overview):

- A role assignment applies to a request when its scope is the request scope or one of its parents
  (subscription -> resource group -> resource -> extension resource below it). Scopes compare case-insensitively
  on whole path segments, so ``/subscriptions/s/resourceGroups/rg`` does not contain ``…/resourceGroups/rg2``.
- Whether a role's permission blocks grant an action is decided by ``amlevents.core.access`` (wildcards,
  notActions, case-insensitive), shared with the client-side access check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from amlevents.core.access import Permission, action_matches, is_allowed

if TYPE_CHECKING:
    from amlevents.emulator.runtime.seed import RoleAssignment

# action_matches, is_allowed and Permission are re-exported from amlevents.core.access.
__all__ = ["Permission", "action_matches", "applicable", "effective_permissions", "is_allowed", "normalize_path",
           "normalize_scope", "scope_contains"]


def normalize_path(path: str) -> str:
    """The path with doubled slashes collapsed and no trailing slash (the permissions API sends ``//``)."""
    return "/" + "/".join(part for part in path.split("/") if part)


def normalize_scope(scope: str) -> str:
    """A scope for comparison: one leading slash, no doubled or trailing slashes, lower case."""
    return normalize_path(scope).lower()


def scope_contains(outer: str, inner: str) -> bool:
    """True when ``outer`` is ``inner`` or one of its parent scopes (``/`` contains everything)."""
    o, i = normalize_scope(outer), normalize_scope(inner)
    return o == "/" or i == o or i.startswith(o + "/")


def applicable(assignments: Iterable[RoleAssignment], principal_id: str, scope: str) -> list[RoleAssignment]:
    """The principal's assignments that apply at ``scope`` (made at it or at a parent scope)."""
    pid = principal_id.lower()
    return [a for a in assignments if a.principal_id.lower() == pid and scope_contains(a.scope, scope)]


def effective_permissions(
    assignments: Iterable[RoleAssignment],
    definitions: Mapping[str, Mapping[str, Any]],
    principal_id: str,
    scope: str,
) -> list[Permission]:
    """The permission blocks of every role the principal holds at ``scope``, one list entry per block.

    ``definitions`` maps a lower-case role-definition GUID to its definition (with ``permissions``).
    """
    blocks: list[Permission] = []
    for a in applicable(assignments, principal_id, scope):
        definition = definitions.get(a.role_definition.lower())
        if definition is not None:
            blocks.extend(Permission.from_wire(p) for p in definition.get("permissions") or ())
    return blocks
