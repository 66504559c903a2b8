"""Azure PowerShell's own Event Grid scenario sequences, sent through the real SDK to the emulator over HTTPS.

Az.EventGrid keeps Pester tests with recordings of Azure's answers (Azure/azure-powershell,
src/EventGrid/EventGrid.Autorest/test/, api-version 2023-06-01-preview):
- ``AzEventGridSystemTopic``: New/Get/Update/Remove-AzEventGridSystemTopic and New/Get/Update/Remove-
  AzEventGridSystemTopicEventSubscription, getDeliveryAttributes, getFullUrl (``AzEventGridSystemTopic.Recording.json``);
- ``AzEventGridEventSubscription``: New/Get/Update/Remove-AzEventGridEventSubscription on a scope, getDeliveryAttributes,
  getFullUrl, the global and regional lists of a resource group (``AzEventGridEventSubscription.Recording.json``);
- ``AzEventGridTopic``: a custom topic's subscription with the CloudEvents schema, created then updated
  (``AzEventGridTopic.Recording.json``; the topic's other cmdlets concern what the emulator does not serve).
The sequences are adapted only in their source resource: the storage account (system topic), the Azure subscription
(scope) and the custom topic become the seeded workspace, its topic type and region. Each test asserts the fields of
Azure's recorded answer that matter (status, provisioningState, what is echoed, kept or defaulted); the comment above
it names the recorded request.

Known and kept apart: Azure's 2023-06-01-preview answers omit ``filter.isSubjectCaseSensitive`` when it is false;
the emulator serves the 2025-02-15 contract whose examples carry it (as test_recordings_replay.py's EXTRA_KEYS says),
so no test here asserts its absence.
"""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.eventgrid.models import (
    EventSubscription,
    EventSubscriptionFilter,
    EventSubscriptionUpdateParameters,
    SystemTopic,
    SystemTopicUpdateParameters,
    WebHookEventSubscriptionDestination,
)
from emulator_support import RG, SCOPE, SUB, local, raw

from amlevents.emulator.eventgrid.validation import DEFAULT_EVENT_TYPES

URL = "https://azpssite.azurewebsites.net/api/updates"  # the recordings' $env.EndpointUrl
TOPIC_TYPE = "microsoft.machinelearningservices.workspaces"  # lower case, as New-AzEventGridSystemTopic sent its own
SOURCE = SCOPE.replace("/resourceGroups/", "/resourcegroups/")  # as the recorded PUT spelled the source
TOPIC = "ps-topic"
TOPIC_PATH = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.EventGrid/systemTopics/{TOPIC}"
RETRY = {"maxDeliveryAttempts": 30, "eventTimeToLiveInMinutes": 1440}


class Wire:
    """The wire answers the SDK received for one call (``raw_response_hook``): status, headers, parsed body."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def __call__(self, response: Any) -> None:
        self.seen.append(response.http_response)

    @property
    def first(self) -> Any:
        return self.seen[0]

    def body(self, index: int = 0) -> dict[str, Any]:
        return self.seen[index].json()


def webhook() -> WebHookEventSubscriptionDestination:
    # the SDK model would send batch settings 1/64 of its own; PowerShell's request sent only the URL
    return WebHookEventSubscriptionDestination(endpoint_url=URL, max_events_per_batch=None,
                                               preferred_batch_size_in_kilobytes=None)


def make_topic(client: Any, **kwargs: Any) -> SystemTopic:
    topic = SystemTopic(location="eastus", source=SOURCE, topic_type=TOPIC_TYPE)
    return client.system_topics.begin_create_or_update(RG, TOPIC, topic, **kwargs).result()


class Via:
    """One way to an event subscription: a system topic's child or the workspace scope (its PowerShell cmdlets)."""

    def __init__(self, client: Any, on_topic: bool) -> None:
        self.on_topic = on_topic
        self.ops = client.system_topic_event_subscriptions if on_topic else client.event_subscriptions
        self.parent = (RG, TOPIC) if on_topic else (SCOPE,)
        if on_topic:
            make_topic(client)

    def __getattr__(self, verb: str) -> Any:
        method = getattr(self.ops, verb)
        return lambda *args, **kwargs: method(*self.parent, *args, **kwargs)

    @property
    def topic(self) -> str:
        return TOPIC_PATH if self.on_topic else SCOPE

    @property
    def type(self) -> str:
        suffix = "systemTopics/eventSubscriptions" if self.on_topic else "eventSubscriptions"
        return f"Microsoft.EventGrid/{suffix}"

    @property
    def sent_filter(self) -> EventSubscriptionFilter:
        # New-AzEventGridSystemTopicEventSubscription sent a subject prefix and suffix; New-AzEventGridEventSubscription
        # only -FilterIsSubjectCaseSensitive:$false
        if self.on_topic:
            return EventSubscriptionFilter(subject_begins_with="ExamplePrefix", subject_ends_with="ExampleSuffix",
                                           is_subject_case_sensitive=False)
        return EventSubscriptionFilter(is_subject_case_sensitive=False)

    @property
    def read_subjects(self) -> tuple[str, str]:
        return ("ExamplePrefix", "ExampleSuffix") if self.on_topic else ("", "")


@pytest.fixture(params=["system-topic", "scope"])
def via(request, emulator, eventgrid_client) -> Via:
    return Via(eventgrid_client(emulator), request.param == "system-topic")


def create(via: Via, name: str = "ps-sub", wire: Wire | None = None) -> Any:
    sub = EventSubscription(destination=webhook(), filter=via.sent_filter)
    return via.begin_create_or_update(name, sub, raw_response_hook=wire or Wire()).result()


# --- event subscriptions, on a system topic and on a scope -----------------------------------------------------------

# New-AzEventGridSystemTopicEventSubscription PUT / New-AzEventGridEventSubscription PUT: 201 Creating with an
# Azure-AsyncOperation; the webhook URL hidden behind endpointBaseUrl; the topic type's event types filled in; the
# retry policy's defaults already in the 201 although none was sent; no eventDeliverySchema or batch settings yet.
def test_create_answers_201_creating_with_the_retry_defaults(via):
    wire = Wire()
    create(via, wire=wire)
    assert wire.first.status_code == 201 and "Azure-AsyncOperation" in wire.first.headers
    props = wire.body()["properties"]
    assert props["provisioningState"] == "Creating" and props["topic"].lower() == via.topic.lower()
    assert props["destination"]["properties"] == {"endpointUrl": None, "endpointBaseUrl": URL}
    assert props["filter"]["includedEventTypes"] == list(DEFAULT_EVENT_TYPES)
    assert props["retryPolicy"] == RETRY and props["labels"] is None
    assert "eventDeliverySchema" not in props


# The same cmdlets' status poll (Succeeded) and final GET, and Get-AzEventGrid[SystemTopic]EventSubscription: 200
# Succeeded, the subject filter as sent (empty strings when none was), batch defaults 1/64, EventGridSchema.
def test_get_after_create_reads_succeeded_with_the_read_defaults(via):
    created = create(via)
    got = via.get("ps-sub")
    for sub in (created, got):
        assert sub.provisioning_state == "Succeeded" and sub.type == via.type
        assert (sub.filter.subject_begins_with, sub.filter.subject_ends_with) == via.read_subjects
        assert (sub.destination.max_events_per_batch, sub.destination.preferred_batch_size_in_kilobytes) == (1, 64)
        assert sub.event_delivery_schema == "EventGridSchema" and sub.destination.endpoint_url is None


# Get-AzEventGrid[SystemTopic]EventSubscriptionDeliveryAttribute: POST getDeliveryAttributes -> 200 {"value": null}
# for a subscription without mappings (the Pester test expects Count 0).
def test_delivery_attributes_of_a_subscription_without_mappings_are_null(via):
    create(via)
    wire = Wire()
    assert via.get_delivery_attributes("ps-sub", raw_response_hook=wire).value is None
    assert wire.first.status_code == 200 and wire.body() == {"value": None}


# Get-AzEventGridFullUrlFor[SystemTopic]EventSubscription / Get-AzEventGridEventSubscriptionFullUrl: POST getFullUrl
# -> 200 {"endpointUrl": <the URL sent>}.
def test_full_url_is_the_url_sent(via):
    create(via)
    assert via.get_full_url("ps-sub").endpoint_url == URL


# Update-AzEventGrid[SystemTopic]EventSubscription PATCH (filter + destination): 201 Updating with an
# Azure-AsyncOperation, the answer already carrying the stored defaults (batch 1/64, EventGridSchema, retry policy,
# the subject strings); the poll and final GET read Succeeded.
def test_patch_answers_201_updating_with_the_stored_defaults(via):
    create(via)
    wire = Wire()
    update = EventSubscriptionUpdateParameters(destination=webhook(), filter=via.sent_filter)
    updated = via.begin_update("ps-sub", update, raw_response_hook=wire).result()
    assert wire.first.status_code == 201 and "Azure-AsyncOperation" in wire.first.headers
    props = wire.body()["properties"]
    assert props["provisioningState"] == "Updating" and props["eventDeliverySchema"] == "EventGridSchema"
    assert props["destination"]["properties"]["maxEventsPerBatch"] == 1 and props["retryPolicy"] == RETRY
    assert (props["filter"]["subjectBeginsWith"], props["filter"]["subjectEndsWith"]) == via.read_subjects
    assert props["filter"]["includedEventTypes"] == list(DEFAULT_EVENT_TYPES)
    assert updated.provisioning_state == "Succeeded" and via.get("ps-sub").provisioning_state == "Succeeded"


# Remove-AzEventGrid[SystemTopic]EventSubscription DELETE: 202, empty, with Location and Azure-AsyncOperation; the
# status poll reads Succeeded; then the subscription is gone.
def test_delete_answers_202_with_both_poll_urls(via, emulator):
    create(via)
    wire = Wire()
    via.begin_delete("ps-sub", raw_response_hook=wire).result()
    assert wire.first.status_code == 202 and wire.first.text() == ""
    assert {"Location", "Azure-AsyncOperation"} <= set(wire.first.headers)
    status = raw(emulator, "GET", local(emulator, wire.first.headers["Azure-AsyncOperation"]))
    assert status.json()["status"] == "Succeeded"
    with pytest.raises(ResourceNotFoundError):
        via.get("ps-sub")


# The same DELETEs' operationResults GET (the Location URL) after the operation succeeded: 200 with an empty body.
def test_finished_delete_result_is_200_empty(via, emulator):
    create(via)
    wire = Wire()
    via.begin_delete("ps-sub", raw_response_hook=wire).result()
    result = raw(emulator, "GET", local(emulator, wire.first.headers["Location"]))
    assert (result.status_code, result.content) == (200, b"")


# AzEventGridTopic.Recording.json: New-AzEventGridTopicEventSubscription -EventDeliverySchema CloudEventSchemaV1_0 (a
# custom topic's subscription, here the workspace's), then Update-AzEventGridTopicEventSubscription sending the same
# schema again: the update succeeds and the GETs after either read CloudEventSchemaV1_0 and the subjects sent.
def test_cloud_events_schema_is_kept_by_an_update_that_sends_it_again(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    subject = EventSubscriptionFilter(subject_begins_with="ExamplePrefix", subject_ends_with="ExampleSuffix",
                                      is_subject_case_sensitive=False)
    sub = EventSubscription(destination=webhook(), filter=subject, event_delivery_schema="CloudEventSchemaV1_0")
    ops = client.event_subscriptions
    assert ops.begin_create_or_update(SCOPE, "ps-ce", sub).result().event_delivery_schema == "CloudEventSchemaV1_0"
    update = EventSubscriptionUpdateParameters(destination=webhook(), filter=subject,
                                               event_delivery_schema="CloudEventSchemaV1_0")
    assert ops.begin_update(SCOPE, "ps-ce", update).result().provisioning_state == "Succeeded"
    got = ops.get(SCOPE, "ps-ce")
    assert got.event_delivery_schema == "CloudEventSchemaV1_0"
    assert (got.filter.subject_begins_with, got.filter.subject_ends_with) == ("ExamplePrefix", "ExampleSuffix")


# --- the lists of AzEventGridEventSubscription ------------------------------------------------------------------------

# Get-AzEventGridEventSubscriptionGlobal -ResourceGroupName: GET .../resourceGroups/{rg}/providers/Microsoft.EventGrid/
# eventSubscriptions -> 200 {"value": []}. The recorded subscription sat on the Azure subscription (a global scope, not
# in the group); the workspace's is regional, so the group's global list is empty as well. The recorded regional list
# (Get-AzEventGridEventSubscriptionRegional, eastus) was empty because its subscription was global: adapted, the
# workspace's regional subscription is the one that list holds, and only that list.
def test_a_workspace_subscription_is_in_the_groups_regional_list_not_the_global_one(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    create(Via(client, on_topic=False))
    wire = Wire()
    assert list(client.event_subscriptions.list_global_by_resource_group(RG, raw_response_hook=wire)) == []
    assert wire.body() == {"value": []}
    regional = client.event_subscriptions.list_regional_by_resource_group(RG, "eastus")
    assert [s.name for s in regional] == ["ps-sub"]


# --- system topics (AzEventGridSystemTopic) --------------------------------------------------------------------------

# New-AzEventGridSystemTopic PUT (a new topic): Azure answered 200 and Succeeded at once, without an
# Azure-AsyncOperation (the cmdlet's follow-up GETs read Succeeded too), tags null, a metricResourceId.
def test_new_system_topic_answers_200_succeeded_at_once(emulator):
    body = {"location": "eastus", "properties": {"source": SOURCE, "topicType": TOPIC_TYPE}}
    response = raw(emulator, "PUT", TOPIC_PATH, body=body)
    assert "Azure-AsyncOperation" not in response.headers
    assert (response.status_code, response.json()["properties"]["provisioningState"]) == (200, "Succeeded")


# New-AzEventGridSystemTopic's GETs and Get-AzEventGridSystemTopic: 200 Succeeded; source and topic type as sent
# (lower-case spellings kept), tags null, a metricResourceId; the topic is in its group's and subscription's lists.
def test_system_topic_reads_back_as_sent(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    make_topic(client)
    topic = client.system_topics.get(RG, TOPIC)
    assert (topic.provisioning_state, topic.source, topic.topic_type) == ("Succeeded", SOURCE, TOPIC_TYPE)
    assert topic.tags is None and topic.metric_resource_id and topic.location == "eastus"
    assert [t.name for t in client.system_topics.list_by_resource_group(RG)] == [TOPIC]
    assert [t.name for t in client.system_topics.list_by_subscription()] == [TOPIC]


# Update-AzEventGridSystemTopic -Tag @{abc=123}: PATCH {"tags": ...} -> 200 Succeeded with the tags, the rest kept.
def test_system_topic_tag_update_answers_200_with_the_tags(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    make_topic(client)
    wire = Wire()
    update = SystemTopicUpdateParameters(tags={"abc": "123"})
    updated = client.system_topics.begin_update(RG, TOPIC, update, raw_response_hook=wire).result()
    assert wire.first.status_code == 200 and wire.body()["properties"]["provisioningState"] == "Succeeded"
    assert updated.tags == {"abc": "123"} and updated.source == SOURCE


# Remove-AzEventGridSystemTopic DELETE: 202, empty, with Location and Azure-AsyncOperation; the poll reads Succeeded.
def test_system_topic_delete_answers_202_with_both_poll_urls(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    make_topic(client)
    wire = Wire()
    client.system_topics.begin_delete(RG, TOPIC, raw_response_hook=wire).result()
    assert wire.first.status_code == 202 and wire.first.text() == ""
    assert {"Location", "Azure-AsyncOperation"} <= set(wire.first.headers)
    assert list(client.system_topics.list_by_resource_group(RG)) == []
