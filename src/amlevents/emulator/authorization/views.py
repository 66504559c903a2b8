"""Microsoft.Authorization resources as ARM returns them: role assignments and role definitions of the seed."""

from __future__ import annotations

from typing import Any

from amlevents.core.access import Permission
from amlevents.emulator.runtime.seed import SEEDED_AT, RoleAssignment, World


def role_definition_id(world: World, guid: str, at_subscription: bool | str = True) -> str:
    """The role definition's ARM id, at a subscription (as ARM returns it there: ``at_subscription`` names it, or
    True for the first seeded one) or at the root."""
    sub = at_subscription if isinstance(at_subscription, str) else world.subscription_id
    prefix = f"/subscriptions/{sub}" if at_subscription else ""
    return f"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def role_assignment(a: RoleAssignment, world: World) -> dict[str, Any]:
    """The ``RoleAssignment`` JSON of a seeded assignment."""
    return {
        "id": f"{a.scope}/providers/Microsoft.Authorization/roleAssignments/{a.name}",
        "name": a.name,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": role_definition_id(world, a.role_definition, _subscription_of(a.scope) or True),
            "principalId": a.principal_id,
            "principalType": a.principal_type,
            "scope": a.scope,
            "condition": None,
            "conditionVersion": None,
            "createdOn": SEEDED_AT,
            "updatedOn": SEEDED_AT,
            "createdBy": None,
            "updatedBy": None,
            "delegatedManagedIdentityResourceId": None,
            "description": None,
        },
    }


def _subscription_of(scope: str) -> str | None:
    parts = scope.split("/")
    return parts[2] if len(parts) > 2 and parts[1].lower() == "subscriptions" else None


def role_definition(definition: dict[str, Any], world: World, at_subscription: bool | str = True) -> dict[str, Any]:
    """The ``RoleDefinition`` JSON of a built-in or seeded custom role."""
    return {
        "id": role_definition_id(world, definition["name"], at_subscription),
        "name": definition["name"],
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": definition["roleName"],
            "type": definition.get("type", "BuiltInRole"),
            "description": definition.get("description", ""),
            "assignableScopes": list(definition.get("assignableScopes") or ["/"]),
            "permissions": [Permission.from_wire(p).to_wire() for p in definition["permissions"]],
            "createdOn": SEEDED_AT,
            "updatedOn": SEEDED_AT,
            "createdBy": None,
            "updatedBy": None,
        },
    }
