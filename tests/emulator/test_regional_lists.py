"""The subscription- and resource-group-wide event subscription lists (regional and global, per topic type),
through the real SDK: what `az eventgrid event-subscription list --location ...` reads."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from emulator_support import RG, SCOPE, SCOPE2, create

AML = "Microsoft.MachineLearningServices.Workspaces"


@pytest.fixture
def two(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    create(client, "on-first")
    create(client, "on-second", scope=SCOPE2)
    return client


def names(pages) -> list[str]:
    return [s.name for s in pages]


def test_regional_lists_hold_the_workspace_subscriptions_of_that_location(two):
    assert names(two.event_subscriptions.list_regional_by_subscription("eastus")) == ["on-first", "on-second"]
    assert names(two.event_subscriptions.list_regional_by_subscription("EastUS")) == ["on-first", "on-second"]
    assert names(two.event_subscriptions.list_regional_by_resource_group(RG, "eastus")) == ["on-first", "on-second"]
    assert names(two.event_subscriptions.list_regional_by_subscription("westeurope")) == []
    first = next(iter(two.event_subscriptions.list_regional_by_subscription("eastus")))
    assert first.id.lower() == f"{SCOPE}/providers/Microsoft.EventGrid/eventSubscriptions/on-first".lower()


def test_regional_lists_per_topic_type(two):
    by_type = two.event_subscriptions.list_regional_by_subscription_for_topic_type
    assert names(by_type("eastus", AML)) == ["on-first", "on-second"]
    assert names(by_type("eastus", AML.lower())) == ["on-first", "on-second"]
    assert names(by_type("eastus", "Microsoft.Storage.StorageAccounts")) == []
    assert names(two.event_subscriptions.list_regional_by_resource_group_for_topic_type(RG, "eastus", AML)) == [
        "on-first", "on-second"]


def test_global_lists_are_empty_here(two):
    # subscriptions on global resources (an Azure subscription or resource group): the emulator has none
    assert names(two.event_subscriptions.list_global_by_subscription()) == []
    assert names(two.event_subscriptions.list_global_by_resource_group(RG)) == []
    assert names(two.event_subscriptions.list_global_by_subscription_for_topic_type(
        "Microsoft.Resources.Subscriptions")) == []


def test_regional_lists_filter_and_page(two, emulator):
    assert names(two.event_subscriptions.list_regional_by_subscription("eastus", filter="name eq 'on-second'")) == [
        "on-second"]
    assert names(two.event_subscriptions.list_regional_by_subscription("eastus", top=1)) == ["on-first", "on-second"]
    lists = [e for e in emulator.app.requests() if e["path"].endswith("/locations/eastus/eventSubscriptions")]
    assert len(lists) == 3  # the filtered list, then two pages of one


def test_regional_lists_need_read_permission_at_their_scope(emulator, eventgrid_client, two):
    reader = eventgrid_client(emulator, "reader")
    assert names(reader.event_subscriptions.list_regional_by_subscription("eastus")) == ["on-first", "on-second"]
    scoped = eventgrid_client(emulator, "eventsub-contributor")  # a role on one workspace only
    with pytest.raises(HttpResponseError) as refused:
        list(scoped.event_subscriptions.list_regional_by_subscription("eastus"))
    assert refused.value.status_code == 403


def test_unknown_resource_group_is_404(two):
    with pytest.raises(ResourceNotFoundError):
        list(two.event_subscriptions.list_regional_by_resource_group("no-such-group", "eastus"))
