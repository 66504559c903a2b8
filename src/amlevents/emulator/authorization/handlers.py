"""Microsoft.Authorization's request handlers: the caller's permissions, role assignments and role definitions."""

from __future__ import annotations

from amlevents.emulator.runtime.handlers import Context, Reply, odata_errors
from amlevents.emulator.runtime.odata import compile_filter, role_assignment_filter


def list_permissions(ctx: Context, scope: str) -> Reply:
    """GET the caller's permissions at the scope."""
    return Reply(200, {"value": ctx.backend.permissions(ctx.principal_id, scope)})


def list_role_assignments(ctx: Context, scope: str) -> Reply:
    """GET role assignments with atScope()/assignedTo()/principalId filters."""
    with odata_errors():
        query = role_assignment_filter(ctx.query("$filter"))
    return Reply(200, {"value": ctx.backend.role_assignments(scope or "/", query)})


def get_role_definition(ctx: Context, scope: str, guid: str) -> Reply:
    """GET one role definition by GUID."""
    return Reply(200, ctx.backend.role_definition(scope, guid))


def list_role_definitions(ctx: Context, scope: str) -> Reply:
    """GET role definitions, optionally filtered on roleName/type."""
    text = ctx.query("$filter")
    with odata_errors():
        accept = compile_filter(text, ("roleName", "type")) if text else None
    return Reply(200, {"value": ctx.backend.role_definitions(scope, accept)})
