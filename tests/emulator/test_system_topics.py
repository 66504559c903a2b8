"""System topics and their event subscriptions through the real SDK."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.eventgrid.models import SystemTopic, SystemTopicUpdateParameters
from emulator_support import RG, SCOPE, SCOPE2, create, raw, webhook_subscription

TOPIC_TYPE = "Microsoft.MachineLearningServices.Workspaces"


def make_topic(client, name="ws-topic", source=SCOPE, **kwargs):
    topic = SystemTopic(location="eastus", source=source, topic_type=TOPIC_TYPE, **kwargs)
    return client.system_topics.begin_create_or_update(RG, name, topic).result()


def test_create_get_and_list_topics(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    topic = make_topic(client, tags={"team": "ml"})
    assert (topic.provisioning_state, topic.source, topic.topic_type) == ("Succeeded", SCOPE, TOPIC_TYPE)
    assert len(topic.metric_resource_id) == 36
    assert client.system_topics.get(RG, "ws-topic").tags == {"team": "ml"}
    assert [t.name for t in client.system_topics.list_by_resource_group(RG)] == ["ws-topic"]
    assert [t.name for t in client.system_topics.list_by_subscription()] == ["ws-topic"]


def test_topic_type_compares_case_insensitively(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    topic = client.system_topics.begin_create_or_update(RG, "topic-1", SystemTopic(
        location="eastus", source=SCOPE, topic_type=TOPIC_TYPE.lower())).result()
    assert topic.topic_type == TOPIC_TYPE.lower()


def test_a_second_topic_for_the_same_source_is_refused(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    make_topic(client, "first")
    with pytest.raises(HttpResponseError) as err:
        make_topic(client, "second")
    assert err.value.status_code == 400 and err.value.error.code == "InvalidRequest"
    assert "first" in err.value.error.message
    assert make_topic(client, "other", source=SCOPE2).name == "other"


@pytest.mark.parametrize(
    ("body", "code", "text"),
    [
        ({"properties": {"source": SCOPE, "topicType": TOPIC_TYPE}}, "LocationRequired", "location"),
        ({"location": "eastus", "properties": {"source": SCOPE, "topicType": "Microsoft.Storage.StorageAccounts"}},
         "InvalidRequest", "topic type"),
        ({"location": "westus", "properties": {"source": SCOPE, "topicType": TOPIC_TYPE}}, "InvalidRequest",
         "location"),
        ({"location": "eastus", "properties": {"source": "not-an-id", "topicType": TOPIC_TYPE}}, "InvalidRequest",
         "not a valid"),
    ],
)
def test_invalid_topic_bodies(emulator, body, code, text):
    response = raw(emulator, "PUT", f"/subscriptions/{emulator.subscription_id}/resourceGroups/{RG}/providers/"
                   "Microsoft.EventGrid/systemTopics/bad", body=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code and text in response.json()["error"]["message"]


def test_topic_for_a_missing_workspace_is_404(emulator, eventgrid_client):
    with pytest.raises(ResourceNotFoundError, match="workspaces/ghost' under resource group"):
        make_topic(eventgrid_client(emulator), source=SCOPE.replace("local-workspace", "ghost"))


def test_put_on_an_existing_topic_is_200_and_patch_updates_tags(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    make_topic(client)
    body = {"location": "eastus", "properties": {"source": SCOPE, "topicType": TOPIC_TYPE}, "tags": {"a": "1"}}
    path = f"/subscriptions/{emulator.subscription_id}/resourceGroups/{RG}/providers/Microsoft.EventGrid/systemTopics/"
    path += "ws-topic"
    assert raw(emulator, "PUT", path, body=body).status_code == 200
    updated = client.system_topics.begin_update(RG, "ws-topic", SystemTopicUpdateParameters(tags={"b": "2"})).result()
    assert updated.tags == {"b": "2"}
    changed = dict(body, properties={"source": SCOPE2, "topicType": TOPIC_TYPE})
    assert "cannot be modified" in raw(emulator, "PUT", path, body=changed).json()["error"]["message"]


def test_subscription_crud_under_a_topic(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    make_topic(client)
    ops = client.system_topic_event_subscriptions
    created = ops.begin_create_or_update(RG, "ws-topic", "runs", webhook_subscription()).result()
    assert created.type == "Microsoft.EventGrid/systemTopics/eventSubscriptions"
    assert created.topic.endswith("/providers/Microsoft.EventGrid/systemTopics/ws-topic")
    assert ops.get(RG, "ws-topic", "runs").provisioning_state == "Succeeded"
    assert ops.get_full_url(RG, "ws-topic", "runs").endpoint_url.endswith("?code=s3cret")
    assert [s.name for s in ops.list_by_system_topic(RG, "ws-topic")] == ["runs"]
    ops.begin_delete(RG, "ws-topic", "runs").result()
    assert list(ops.list_by_system_topic(RG, "ws-topic")) == []


def test_deleting_a_topic_deletes_its_subscriptions(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    make_topic(client)
    ops = client.system_topic_event_subscriptions
    ops.begin_create_or_update(RG, "ws-topic", "runs", webhook_subscription()).result()
    client.system_topics.begin_delete(RG, "ws-topic").result()
    with pytest.raises(ResourceNotFoundError):
        client.system_topics.get(RG, "ws-topic")
    make_topic(client)
    assert list(client.system_topic_event_subscriptions.list_by_system_topic(RG, "ws-topic")) == []


def test_subscriptions_under_a_missing_topic_are_404(emulator, eventgrid_client):
    with pytest.raises(ResourceNotFoundError, match="systemTopics/nope"):
        eventgrid_client(emulator).system_topic_event_subscriptions.get(RG, "nope", "runs")


def test_a_scope_subscription_auto_creates_a_topic_that_goes_with_the_last_one(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    create(client, "one")
    create(client, "two")
    (topic,) = client.system_topics.list_by_resource_group(RG)
    assert topic.name.startswith("local-workspace-") and topic.source == SCOPE
    with pytest.raises(HttpResponseError, match=topic.name):
        make_topic(client)
    client.event_subscriptions.begin_delete(SCOPE, "one").result()
    assert len(list(client.system_topics.list_by_resource_group(RG))) == 1
    client.event_subscriptions.begin_delete(SCOPE, "two").result()
    assert list(client.system_topics.list_by_resource_group(RG)) == []


def test_an_explicit_topic_is_used_by_scope_subscriptions(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    make_topic(client)
    create(client, "one")
    client.event_subscriptions.begin_delete(SCOPE, "one").result()
    assert [t.name for t in client.system_topics.list_by_resource_group(RG)] == ["ws-topic"]


def test_the_auto_created_topic_goes_with_the_last_subscription_of_either_kind(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    create(client, "scoped")
    (topic,) = client.system_topics.list_by_resource_group(RG)
    ops = client.system_topic_event_subscriptions
    ops.begin_create_or_update(RG, topic.name, "under-topic", webhook_subscription()).result()
    client.event_subscriptions.begin_delete(SCOPE, "scoped").result()
    assert [t.name for t in client.system_topics.list_by_resource_group(RG)] == [topic.name]
    ops.begin_delete(RG, topic.name, "under-topic").result()
    assert list(client.system_topics.list_by_resource_group(RG)) == []
