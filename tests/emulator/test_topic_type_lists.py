"""Event Grid's lists by topic type for Azure ML workspaces across a fleet: regional per Azure subscription and
resource group, paged although names repeat across workspaces; the global ones hold no regional source."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ResourceNotFoundError
from fleet_support import AML, FLEET1, FLEET2, serve_fleet

from amlevents.emulator.runtime import paging


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    yield from serve_fleet(tmp_path_factory)


def client(server, subscription: str):
    from conftest import make_eventgrid_client

    made = make_eventgrid_client(server)
    made._config.subscription_id = subscription
    return made


def ids(pages) -> list[str]:
    return [s.id for s in pages]


def workspace_of(resource_id: str) -> str:
    return resource_id.split("/providers/Microsoft.EventGrid/")[0].rsplit("/", 1)[-1]


@pytest.mark.parametrize("top", [1, 2, 4, 100])
def test_regional_list_by_subscription_pages_every_workspace_once(fleet, top):
    listed = ids(client(fleet, FLEET1).event_subscriptions.list_regional_by_subscription_for_topic_type(
        "eastus", AML, top=top))
    assert len(listed) == len(set(listed)) == 6  # es-1..es-3 on the two eastus workspaces
    assert [i.rsplit("/", 1)[-1] for i in listed] == ["es-1", "es-1", "es-2", "es-2", "es-3", "es-3"]
    assert {workspace_of(i) for i in listed} == {"fleet1-ws1", "fleet1-ws3"}


def test_regional_list_by_resource_group_keeps_that_group(fleet):
    listed = ids(client(fleet, FLEET1).event_subscriptions.list_regional_by_resource_group_for_topic_type(
        "fleet-rg-2", "westeurope", AML, top=2))
    assert len(listed) == 6 and {workspace_of(i) for i in listed} == {"fleet1-ws2", "fleet1-ws4"}
    assert ids(client(fleet, FLEET1).event_subscriptions.list_regional_by_resource_group_for_topic_type(
        "fleet-rg-2", "eastus", AML)) == []


def test_each_subscription_lists_its_own_workspaces(fleet):
    listed = ids(client(fleet, FLEET2).event_subscriptions.list_regional_by_subscription_for_topic_type(
        "westeurope", AML))
    assert {workspace_of(i) for i in listed} == {"fleet2-ws2", "fleet2-ws4"}
    assert all(i.startswith(f"/subscriptions/{FLEET2}/") for i in listed)


def test_the_name_filter_applies_across_workspaces(fleet):
    listed = client(fleet, FLEET1).event_subscriptions.list_regional_by_subscription_for_topic_type(
        "eastus", AML, filter="name eq 'es-2'", top=1)
    assert sorted(workspace_of(i) for i in ids(listed)) == ["fleet1-ws1", "fleet1-ws3"]


def test_global_lists_for_the_workspace_topic_type_are_empty(fleet):
    # Azure's global lists hold subscriptions on global sources (swagger examples: Microsoft.Resources.*); az refuses
    # --location global for a regional topic type such as the workspaces'
    eg = client(fleet, FLEET1).event_subscriptions
    assert ids(eg.list_global_by_subscription_for_topic_type(AML)) == []
    assert ids(eg.list_global_by_resource_group_for_topic_type("fleet-rg-1", AML)) == []


def test_another_topic_type_lists_nothing_and_an_unknown_group_is_404(fleet):
    eg = client(fleet, FLEET1).event_subscriptions
    assert ids(eg.list_regional_by_subscription_for_topic_type("eastus", "Microsoft.Storage.StorageAccounts")) == []
    with pytest.raises(ResourceNotFoundError):
        list(eg.list_regional_by_resource_group_for_topic_type("amlevents-local", "eastus", AML))


def test_a_page_resumes_after_the_last_key_not_the_last_name(fleet):
    listing = fleet.backend.list_regional_event_subscriptions(FLEET1, None, "eastus", AML)
    first, token = paging.page(listing, 1, None)
    second, _ = paging.page(listing, 1, token)
    assert first[0]["name"] == second[0]["name"] == "es-1"
    assert first[0]["id"] != second[0]["id"]
