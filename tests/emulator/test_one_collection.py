"""One collection of event subscriptions per source, reached through the scope path and the system topic path
(arm-contract.md §2; issue 12, fidelity point 3), through the real SDK."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.eventgrid.models import EventSubscriptionUpdateParameters, SystemTopic
from emulator_support import HOOK, RG, SCOPE, create, list_names, webhook_subscription

from amlevents.emulator.eventgrid.subscriptions import azure_topic

TOPIC_TYPE = "Microsoft.MachineLearningServices.Workspaces"
ON_SCOPE = f"{SCOPE}/providers/Microsoft.EventGrid/eventSubscriptions"


def make_topic(client, name="ws-topic"):
    topic = SystemTopic(location="eastus", source=SCOPE, topic_type=TOPIC_TYPE)
    return client.system_topics.begin_create_or_update(RG, name, topic).result()


def on_topic(client, name, topic="ws-topic", url=HOOK):
    """Create a webhook subscription through the system topic path."""
    return client.system_topic_event_subscriptions.begin_create_or_update(
        RG, topic, name, webhook_subscription(url)).result()


def topic_names(client):
    return [t.name for t in client.system_topics.list_by_resource_group(RG)]


def topic_list(client, topic="ws-topic", **kwargs):
    return [s.name for s in client.system_topic_event_subscriptions.list_by_system_topic(RG, topic, **kwargs)]


def test_a_scope_subscription_reads_through_the_topic_path_in_that_path_s_view(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    topic = make_topic(client)
    create(client, "runs")
    got = client.system_topic_event_subscriptions.get(RG, "ws-topic", "runs")
    assert (got.id, got.type, got.topic) == (f"{topic.id}/eventSubscriptions/runs",
                                             "Microsoft.EventGrid/systemTopics/eventSubscriptions", topic.id)
    (listed,) = client.system_topic_event_subscriptions.list_by_system_topic(RG, "ws-topic")
    assert (listed.id, listed.type, listed.topic) == (got.id, got.type, got.topic)


def test_a_topic_subscription_is_listed_on_the_scope_in_the_scope_view(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    make_topic(client)
    on_topic(client, "runs")
    (listed,) = client.event_subscriptions.list_by_resource(RG, "Microsoft.MachineLearningServices", "workspaces",
                                                            "local-workspace")
    assert (listed.id, listed.type, listed.topic) == (f"{ON_SCOPE}/runs", "Microsoft.EventGrid/eventSubscriptions",
                                                      azure_topic(SCOPE))
    assert client.event_subscriptions.get(SCOPE, "runs").id == f"{ON_SCOPE}/runs"


def test_the_same_name_through_both_paths_is_one_subscription(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    make_topic(client)
    create(client, "Runs")
    updated = on_topic(client, "runs", url="https://other.example.com/hook?code=x")
    assert updated.name == "Runs"  # the existing subscription, updated, keeps its name
    assert list_names(client) == ["Runs"] and topic_list(client) == ["Runs"]
    assert client.event_subscriptions.get_full_url(SCOPE, "runs").endpoint_url.startswith("https://other.")


def test_patch_and_secrets_through_the_other_path(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    make_topic(client)
    on_topic(client, "runs")
    client.event_subscriptions.begin_update(SCOPE, "runs", EventSubscriptionUpdateParameters(labels=["x"])).result()
    assert client.system_topic_event_subscriptions.get(RG, "ws-topic", "runs").labels == ["x"]
    assert client.event_subscriptions.get_full_url(SCOPE, "runs").endpoint_url == HOOK


def test_delete_through_the_topic_path_removes_it_from_the_scope(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    make_topic(client)
    create(client, "runs")
    client.system_topic_event_subscriptions.begin_delete(RG, "ws-topic", "runs").result()
    assert list_names(client) == []
    with pytest.raises(ResourceNotFoundError):
        client.event_subscriptions.get(SCOPE, "runs")


@pytest.mark.parametrize("path", ["scope", "topic"])
def test_the_automatic_topic_goes_with_the_last_subscription_deleted_through_either_path(emulator, eventgrid_client,
                                                                                           path):
    client = eventgrid_client(emulator)
    create(client, "one")
    (auto,) = topic_names(client)
    on_topic(client, "two", topic=auto)
    client.event_subscriptions.begin_delete(SCOPE, "one").result()
    assert topic_names(client) == [auto]
    if path == "scope":
        client.event_subscriptions.begin_delete(SCOPE, "two").result()
    else:
        client.system_topic_event_subscriptions.begin_delete(RG, auto, "two").result()
    assert topic_names(client) == []


def test_deleting_the_topic_deletes_the_scope_subscriptions(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    make_topic(client)
    create(client, "runs")
    client.system_topics.begin_delete(RG, "ws-topic").result()
    assert list_names(client) == []


def test_a_second_topic_for_a_source_with_scope_subscriptions_is_refused(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    create(client, "runs")
    (auto,) = topic_names(client)
    with pytest.raises(HttpResponseError, match=auto):
        make_topic(client)


def test_both_paths_page_through_the_whole_collection(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    make_topic(client)
    names = [f"s{i:02d}" for i in range(25)]
    for name in names[::2]:
        create(client, name)
    for name in names[1::2]:
        on_topic(client, name)
    emulator.app.clear_requests()
    assert list_names(client, top=10) == names and topic_list(client, top=10) == names
    assert sum(r["method"] == "GET" and r["path"].endswith("/eventSubscriptions") for r in emulator.app.requests()) == 6
