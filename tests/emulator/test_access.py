"""RBAC on every request: 403 AuthorizationFailed with ARM's message, reads included."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from emulator_support import RG, SCOPE, SCOPE2, create, list_names

WRITE = "Microsoft.EventGrid/eventSubscriptions/write"


@pytest.mark.parametrize("principal", ["reader", "nobody"])
def test_create_without_write_is_403(emulator, eventgrid_client, principal):
    with pytest.raises(HttpResponseError) as err:
        create(eventgrid_client(emulator, principal), "runs")
    assert err.value.status_code == 403 and err.value.error.code == "AuthorizationFailed"
    oid = emulator.principals[principal]
    assert err.value.error.message == (
        f"The client '{oid}' with object id '{oid}' does not have authorization to perform action '{WRITE}' over "
        f"scope '{SCOPE}/providers/Microsoft.EventGrid/eventSubscriptions/runs' or the scope is invalid. If access "
        "was recently granted, please refresh your credentials.")


def test_reader_may_read_and_nobody_may_not(emulator, eventgrid_client):
    create(eventgrid_client(emulator), "runs")
    assert eventgrid_client(emulator, "reader").event_subscriptions.get(SCOPE, "runs").name == "runs"
    with pytest.raises(HttpResponseError) as err:
        eventgrid_client(emulator, "nobody").event_subscriptions.get(SCOPE, "runs")
    assert err.value.status_code == 403 and "eventSubscriptions/read" in err.value.error.message


def test_reader_may_not_read_the_full_url(emulator, eventgrid_client):
    create(eventgrid_client(emulator), "runs")
    with pytest.raises(HttpResponseError, match="getFullUrl/action"):
        eventgrid_client(emulator, "reader").event_subscriptions.get_full_url(SCOPE, "runs")


def test_eventsub_contributor_may_manage_subscriptions_on_its_workspace_only(emulator, eventgrid_client):
    client = eventgrid_client(emulator, "eventsub-contributor")
    assert create(client, "runs").provisioning_state == "Succeeded"
    assert client.event_subscriptions.get_full_url(SCOPE, "runs").endpoint_url.startswith("https://")
    assert list_names(client) == ["runs"]
    with pytest.raises(HttpResponseError, match="AuthorizationFailed"):
        create(client, "runs", scope=SCOPE2)
    client.event_subscriptions.begin_delete(SCOPE, "runs").result()


def test_eventsub_contributor_may_not_create_system_topics(emulator, eventgrid_client):
    from azure.mgmt.eventgrid.models import SystemTopic

    topic = SystemTopic(location="eastus", source=SCOPE, topic_type="Microsoft.MachineLearningServices.Workspaces")
    with pytest.raises(HttpResponseError, match="systemTopics/write"):
        eventgrid_client(emulator, "eventsub-contributor").system_topics.begin_create_or_update(RG, "t", topic)


def test_contributor_at_the_resource_group_may_create(emulator, eventgrid_client):
    assert create(eventgrid_client(emulator, "contributor"), "runs").name == "runs"
