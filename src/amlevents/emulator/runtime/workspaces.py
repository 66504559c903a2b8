"""The seeded Azure Machine Learning workspaces as the read-only ARM resources a GET returns."""

from __future__ import annotations

from typing import Any

from amlevents.emulator.runtime.seed import SEEDED_AT, WORKSPACE_TYPE, Workspace, World


def workspace(ws: Workspace, world: World) -> dict[str, Any]:
    """A read-only ``Microsoft.MachineLearningServices/workspaces`` resource for a seeded workspace."""
    return {
        "id": ws.id,
        "name": ws.name,
        "type": WORKSPACE_TYPE,
        "location": ws.location,
        "tags": dict(ws.tags),
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
        "systemData": {"createdAt": SEEDED_AT, "createdBy": "amlevents-emulator", "createdByType": "Application",
                       "lastModifiedAt": SEEDED_AT, "lastModifiedBy": "amlevents-emulator",
                       "lastModifiedByType": "Application"},
    }
