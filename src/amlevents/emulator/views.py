"""Stored documents -> ARM resource JSON, with the service's secrets and read-time defaults.

Secrets behave as in Azure: a webhook's ``endpointUrl`` is never returned (``null``, plus the read-only
``endpointBaseUrl``, the URL without its query string), and secret static delivery attributes read back as
``"Hidden"``; ``getFullUrl`` and ``getDeliveryAttributes`` are the only ways to read them. The PUT's 201 body
echoes secret attribute values, as recording 06 shows; GET, list and PATCH bodies hide them.

Read-time defaults are the ones the recordings' final GETs show: ``maxEventsPerBatch`` 1 and
``preferredBatchSizeInKilobytes`` 64 (WebHook, AzureFunction), ``subjectBeginsWith``/``subjectEndsWith`` ``""``,
``isSubjectCaseSensitive`` false, ``eventDeliverySchema`` EventGridSchema, ``retryPolicy`` {30, 1440}.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from amlevents.core.access import Permission
from amlevents.core.plan import with_retry_defaults
from amlevents.core.subscription import (
    BATCH_TYPES,
    DEFAULT_MAX_EVENTS_PER_BATCH,
    DEFAULT_PREFERRED_BATCH_SIZE_KB,
    DEFAULT_SCHEMA,
    HIDDEN,
)
from amlevents.emulator.seed import WORKSPACE_TYPE, RoleAssignment, Workspace, World

_BATCH_DEFAULTS = {"maxEventsPerBatch": DEFAULT_MAX_EVENTS_PER_BATCH,
                   "preferredBatchSizeInKilobytes": DEFAULT_PREFERRED_BATCH_SIZE_KB}
_SEEDED_AT = "2024-01-01T00:00:00.0000000Z"  # a fixed, plausible creation time for seeded resources


def base_url(url: str) -> str:
    """The URL without query string and fragment (``endpointBaseUrl``)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def destinations(props: dict[str, Any]) -> list[dict[str, Any]]:
    """The subscription's delivery destination(s): ``destination`` or the identity-delivery one."""
    found = []
    if props.get("destination"):
        found.append(props["destination"])
    identity = props.get("deliveryWithResourceIdentity")
    if identity and identity.get("destination"):
        found.append(identity["destination"])
    return found


def _destination(dest: dict[str, Any], reveal_secrets: bool, defaults: bool) -> None:
    props = dest["properties"]
    if dest["endpointType"] == "WebHook":
        url = props.pop("endpointUrl", None)
        dest["properties"] = props = {"endpointUrl": None, "endpointBaseUrl": base_url(url) if url else None, **props}
    if defaults and dest["endpointType"] in BATCH_TYPES:
        for key, value in _BATCH_DEFAULTS.items():
            props.setdefault(key, value)
    for mapping in props.get("deliveryAttributeMappings") or ():
        attr = mapping["properties"]
        if mapping["type"] == "Static" and attr.get("isSecret") and not reveal_secrets:
            attr["value"] = HIDDEN


def event_subscription(doc: dict[str, Any], *, reveal_secrets: bool = False, defaults: bool = True) -> dict[str, Any]:
    """The ``EventSubscription`` JSON of a stored subscription."""
    stored = copy.deepcopy(doc["properties"])
    props: dict[str, Any] = {"topic": stored.pop("topic"), "provisioningState": stored.pop("provisioningState")}
    props["destination"] = None
    props.update(stored)
    for dest in destinations(props):
        _destination(dest, reveal_secrets, defaults)
    props.setdefault("labels", None)
    if defaults:
        f = props.setdefault("filter", {})
        for key, value in (("subjectBeginsWith", ""), ("subjectEndsWith", ""), ("isSubjectCaseSensitive", False)):
            f.setdefault(key, value)
        props.setdefault("eventDeliverySchema", DEFAULT_SCHEMA)
        props["retryPolicy"] = with_retry_defaults(props.get("retryPolicy") or {})
    return {"properties": props, "systemData": doc.get("systemData"), "id": doc["id"], "name": doc["name"],
            "type": doc["type"]}


def system_topic(doc: dict[str, Any]) -> dict[str, Any]:
    """The ``SystemTopic`` JSON of a stored system topic."""
    return {key: copy.deepcopy(value) for key, value in doc.items() if not key.startswith("_")}


def workspace(ws: Workspace, world: World) -> dict[str, Any]:
    """A read-only ``Microsoft.MachineLearningServices/workspaces`` resource for a seeded workspace."""
    return {
        "id": ws.id,
        "name": ws.name,
        "type": WORKSPACE_TYPE,
        "location": ws.location,
        "tags": {},
        "kind": "Default",
        "sku": {"name": "Basic", "tier": "Basic"},
        "identity": {"type": "SystemAssigned", "tenantId": world.tenant_id},
        "properties": {
            "friendlyName": ws.name,
            "description": "",
            "provisioningState": "Succeeded",
            "workspaceId": ws.workspace_id,
            "discoveryUrl": f"https://{ws.location}.api.azureml.ms/discovery",
            "publicNetworkAccess": "Enabled",
        },
        "systemData": {"createdAt": _SEEDED_AT, "createdBy": "amlevents-emulator", "createdByType": "Application",
                       "lastModifiedAt": _SEEDED_AT, "lastModifiedBy": "amlevents-emulator",
                       "lastModifiedByType": "Application"},
    }


def role_definition_id(world: World, guid: str, at_subscription: bool = True) -> str:
    """The role definition's ARM id, at the subscription (as ARM returns it there) or at the root."""
    prefix = f"/subscriptions/{world.subscription_id}" if at_subscription else ""
    return f"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def role_assignment(a: RoleAssignment, world: World) -> dict[str, Any]:
    """The ``RoleAssignment`` JSON of a seeded assignment."""
    return {
        "id": f"{a.scope}/providers/Microsoft.Authorization/roleAssignments/{a.name}",
        "name": a.name,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": role_definition_id(world, a.role_definition),
            "principalId": a.principal_id,
            "principalType": a.principal_type,
            "scope": a.scope,
            "condition": None,
            "conditionVersion": None,
            "createdOn": _SEEDED_AT,
            "updatedOn": _SEEDED_AT,
            "createdBy": None,
            "updatedBy": None,
            "delegatedManagedIdentityResourceId": None,
            "description": None,
        },
    }


def role_definition(definition: dict[str, Any], world: World, at_subscription: bool = True) -> dict[str, Any]:
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
            "createdOn": _SEEDED_AT,
            "updatedOn": _SEEDED_AT,
            "createdBy": None,
            "updatedBy": None,
        },
    }
