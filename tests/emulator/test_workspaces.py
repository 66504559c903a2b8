"""The seeded workspaces (read-only) and ARM's 404s for what does not exist."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ResourceNotFoundError
from emulator_support import RG, SCOPE, SUB, create, raw

WORKSPACES = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.MachineLearningServices/workspaces"


def test_get_one_workspace(emulator):
    body = raw(emulator, "GET", f"{WORKSPACES}/local-workspace").json()
    assert (body["id"], body["location"], body["type"]) == (
        SCOPE, "eastus", "Microsoft.MachineLearningServices/workspaces")


def test_list_by_resource_group_and_subscription(emulator):
    by_group = raw(emulator, "GET", WORKSPACES).json()["value"]
    by_sub = raw(emulator, "GET", f"/subscriptions/{SUB}/providers/Microsoft.MachineLearningServices/workspaces")
    assert [w["name"] for w in by_group] == ["local-workspace", "local-workspace-2"]
    assert by_sub.json()["value"] == by_group


def test_missing_workspace_is_resource_not_found(emulator):
    error = raw(emulator, "GET", f"{WORKSPACES}/ghost").json()["error"]
    assert error == {"code": "ResourceNotFound", "message": (
        "The Resource 'Microsoft.MachineLearningServices/workspaces/ghost' under resource group 'amlevents-local' "
        "was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")}


def test_nobody_may_not_read_workspaces(emulator):
    assert raw(emulator, "GET", WORKSPACES, token="nobody").status_code == 403


def test_subscription_on_a_missing_workspace_is_404(emulator, eventgrid_client):
    with pytest.raises(ResourceNotFoundError, match="workspaces/ghost' under resource group"):
        create(eventgrid_client(emulator), "runs", scope=SCOPE.replace("local-workspace", "ghost"))


def test_subscription_in_a_missing_resource_group_is_404(emulator, eventgrid_client):
    with pytest.raises(ResourceNotFoundError) as err:
        create(eventgrid_client(emulator), "runs", scope=SCOPE.replace(RG, "nowhere"))
    assert err.value.error.code == "ResourceGroupNotFound"
    assert err.value.error.message == "Resource group 'nowhere' could not be found."


def test_other_subscriptions_do_not_exist(emulator):
    path = WORKSPACES.replace(SUB, "11111111-0000-0000-0000-000000000000")
    assert raw(emulator, "GET", path).json()["error"]["code"] == "SubscriptionNotFound"


def test_resource_group_and_subscription_reads(emulator):
    assert raw(emulator, "GET", f"/subscriptions/{SUB}/resourcegroups/{RG}").json()["location"] == "eastus"
    assert raw(emulator, "GET", f"/subscriptions/{SUB}").json()["tenantId"] == emulator.tenant_id


def test_unrouted_providers_are_unregistered_and_wrong_methods_405(emulator):
    unregistered = raw(emulator, "GET", f"/subscriptions/{SUB}/providers/Microsoft.Compute/virtualMachines")
    assert (unregistered.status_code, unregistered.json()["error"]["code"]) == (400, "NoRegisteredProviderFound")
    assert raw(emulator, "POST", f"{WORKSPACES}/local-workspace").status_code == 405
