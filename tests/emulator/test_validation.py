"""Server-side validation: every rule answers 400 with ARM's body, and nothing is stored."""

from __future__ import annotations

import pytest
from emulator_support import EVENT_SUBS, HOOK, NS, RG, SCOPE, WS, raw, webhook_body

from amlevents.emulator.eventgrid.validation import URL_INVALID

ARM = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dest/providers/"
HUB = ARM + "Microsoft.EventHub/namespaces/ns/eventhubs/hub"
ACCOUNT = ARM + "Microsoft.Storage/storageAccounts/account"
RUN = "Microsoft.MachineLearningServices.RunCompleted"


def dest(endpoint_type, **props):
    return {"endpointType": endpoint_type, "properties": props}


def hook(**props):
    return {"destination": dest("WebHook", endpointUrl=HOOK, **props)}


def adv(n_filters=1, n_values=1, value="x"):
    return {"filter": {"advancedFilters": [
        {"operatorType": "StringIn", "key": f"data.k{i}", "values": [value] * n_values} for i in range(n_filters)]}}


def mapping(i, **over):
    return {"name": f"h{i}", "type": "Static", "properties": {"value": "v", "isSecret": False}, **over}


CASES = [
    # (id, properties, message substring)
    ("no-destination", {}, "Either destination or deliveryWithResourceIdentity"),
    ("both-destinations", {**hook(), "deliveryWithResourceIdentity": {
        "identity": {"type": "SystemAssigned"}, "destination": dest("EventHub", resourceId=HUB)}}, "Only one of"),
    ("unknown-endpoint-type", {"destination": dest("Carrier", resourceId=HUB)}, "Unsupported endpoint type"),
    ("http-url", {"destination": dest("WebHook", endpointUrl="http://example.com/x")}, URL_INVALID),
    ("no-url", {"destination": dest("WebHook")}, URL_INVALID),
    ("relative-url", {"destination": dest("WebHook", endpointUrl="/hook")}, URL_INVALID),
    ("eventhub-id", {"destination": dest("EventHub", resourceId=ACCOUNT)}, "Microsoft.EventHub/namespaces"),
    ("storagequeue-no-queue", {"destination": dest("StorageQueue", resourceId=ACCOUNT)}, "needs a queueName"),
    ("storagequeue-queue-path", {"destination": dest(
        "StorageQueue", resourceId=ACCOUNT + "/queueServices/default/queues/q", queueName="q")}, "not a valid"),
    ("servicebus-queue-id", {"destination": dest(
        "ServiceBusQueue", resourceId=ARM + "Microsoft.ServiceBus/namespaces/n/topics/t")}, "queues/{queue}"),
    ("servicebus-topic-id", {"destination": dest(
        "ServiceBusTopic", resourceId=ARM + "Microsoft.ServiceBus/namespaces/n/queues/q")}, "topics/{topic}"),
    ("hybrid-connection-id", {"destination": dest("HybridConnection", resourceId=HUB)}, "Microsoft.Relay"),
    ("function-id", {"destination": dest("AzureFunction", resourceId=ARM + "Microsoft.Web/sites/app")},
     "functions/{function}"),
    ("monitor-alert-severity", {"destination": dest("MonitorAlert", description="d")}, "severity"),
    ("tls-version", hook(minimumTlsVersionAllowed="1.3"), "minimumTlsVersionAllowed"),
    ("filter-shape", {**hook(), "filter": {"advancedFilters": [
        {"operatorType": "NumberIn", "key": "data.n", "values": ["1"]}]}}, "values[0] must be a number"),
    ("filter-operator", {**hook(), "filter": {"advancedFilters": [
        {"operatorType": "Regex", "key": "data.n", "values": ["a"]}]}}, "unknown operatorType"),
    ("filter-no-key", {**hook(), "filter": {"advancedFilters": [{"operatorType": "IsNotNull"}]}}, "'key'"),
    ("26-filters", {**hook(), **adv(n_filters=26)}, "26 advanced filters exceed"),
    ("26-values", {**hook(), **adv(n_values=26)}, "26 filter values exceed"),
    ("513-characters", {**hook(), **adv(value="x" * 513)}, "513 characters"),
    ("max-attempts", {**hook(), "retryPolicy": {"maxDeliveryAttempts": 31}},
     "maxDeliveryAttempts must be between 1 and 30"),
    ("ttl-minutes", {**hook(), "retryPolicy": {"eventTimeToLiveInMinutes": 0}}, "between 1 and 1440"),
    ("max-events-per-batch", hook(maxEventsPerBatch=5001), "maxEventsPerBatch must be between 1 and 5000"),
    ("batch-size", hook(preferredBatchSizeInKilobytes=1025), "between 1 and 1024"),
    ("batch-on-eventhub", {"destination": dest("EventHub", resourceId=HUB, maxEventsPerBatch=10)},
     "only for WebHook and AzureFunction"),
    ("queue-ttl", {"destination": dest("StorageQueue", resourceId=ACCOUNT, queueName="q",
                                       queueMessageTimeToLiveInSeconds=0)}, "-1 (infinite)"),
    ("schema", {**hook(), "eventDeliverySchema": "CloudEventV01Schema"}, "CloudEventV01Schema"),
    ("expiration-past", {**hook(), "expirationTimeUtc": "2020-01-01T00:00:00Z"}, "is in the past"),
    ("expiration-garbage", {**hook(), "expirationTimeUtc": "next tuesday"}, "not a valid date-time"),
    ("dead-letter-type", {**hook(), "deadLetterDestination": dest("StorageQueue", resourceId=ACCOUNT)},
     "must be StorageBlob"),
    ("dead-letter-id", {**hook(), "deadLetterDestination": dest("StorageBlob", resourceId=HUB, blobContainerName="c")},
     "not a valid storage account ID"),
    ("dead-letter-container", {**hook(), "deadLetterDestination": dest("StorageBlob", resourceId=ACCOUNT)},
     "blobContainerName"),
    ("both-dead-letters", {**hook(), "deadLetterDestination": dest("StorageBlob", resourceId=ACCOUNT,
                                                                   blobContainerName="c"),
                           "deadLetterWithResourceIdentity": {"identity": {"type": "SystemAssigned"}}},
     "Only one of deadLetterDestination"),
    ("11-mappings", hook(deliveryAttributeMappings=[mapping(i) for i in range(11)]), "exceed the limit of 10"),
    ("static-no-value", hook(deliveryAttributeMappings=[mapping(1, properties={"isSecret": True})]),
     "needs a string value"),
    ("dynamic-no-field", hook(deliveryAttributeMappings=[mapping(1, type="Dynamic", properties={})]),
     "needs a sourceField"),
    ("mapping-type", hook(deliveryAttributeMappings=[mapping(1, type="Header")]), "must be Static or Dynamic"),
    ("mapping-name", hook(deliveryAttributeMappings=[mapping(1, name="")]), "non-empty name"),
    ("mapping-duplicate", hook(deliveryAttributeMappings=[mapping(1), mapping(1)]), "more than once"),
    ("mapping-on-queue", {"destination": dest("StorageQueue", resourceId=ACCOUNT, queueName="q",
                                              deliveryAttributeMappings=[mapping(1)])},
     "not supported for StorageQueue"),
    ("user-identity", {"deliveryWithResourceIdentity": {"identity": {"type": "UserAssigned"},
                                                        "destination": dest("EventHub", resourceId=HUB)}},
     "needs userAssignedIdentity"),
    ("labels", {**hook(), "labels": "prod"}, "labels must be an array"),
]


@pytest.mark.parametrize(("properties", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_put_is_refused_and_not_stored(emulator, properties, message):
    response = raw(emulator, "PUT", f"{EVENT_SUBS}/bad-sub", body={"properties": properties})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "InvalidRequest"
    assert message in error["message"]
    assert raw(emulator, "GET", f"{EVENT_SUBS}/bad-sub").status_code == 404
    assert raw(emulator, "GET", EVENT_SUBS).json()["value"] == []


@pytest.mark.parametrize("name", ["ab", "bad_name", "x" * 65, "dots.in.name"])
def test_invalid_names(emulator, name):
    response = raw(emulator, "PUT", f"{EVENT_SUBS}/{name}", body=webhook_body())
    assert response.status_code == 400
    assert "3 and 64 characters" in response.json()["error"]["message"]
    assert raw(emulator, "GET", EVENT_SUBS).json()["value"] == []


@pytest.mark.parametrize(("data", "code"), [(b"", "InvalidRequest"), (b"{nope", "InvalidRequestContent"),
                                           (b"[1]", "InvalidRequest")])
def test_bodies_that_are_not_subscriptions(emulator, data, code):
    response = raw(emulator, "PUT", f"{EVENT_SUBS}/runs", data=data, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_valid_destinations_of_every_kind_are_accepted(emulator):
    for i, destination in enumerate([
        dest("EventHub", resourceId=HUB, deliveryAttributeMappings=[mapping(1)]),
        dest("StorageQueue", resourceId=ACCOUNT, queueName="q", queueMessageTimeToLiveInSeconds=-1),
        dest("ServiceBusQueue", resourceId=ARM + "Microsoft.ServiceBus/namespaces/n/queues/q"),
        dest("ServiceBusTopic", resourceId=ARM + "Microsoft.ServiceBus/namespaces/n/topics/t"),
        dest("HybridConnection", resourceId=ARM + "Microsoft.Relay/namespaces/n/hybridConnections/h"),
        dest("AzureFunction", resourceId=ARM + "Microsoft.Web/sites/app/functions/f", maxEventsPerBatch=10),
        dest("webhook", endpointUrl=HOOK, maxEventsPerBatch=5000, preferredBatchSizeInKilobytes=1024),
    ]):
        response = raw(emulator, "PUT", f"{EVENT_SUBS}/ok-{i}", body={"properties": {"destination": destination}})
        assert response.status_code == 201, response.text


def test_schema_change_on_patch_is_refused_with_the_service_message(emulator):
    raw(emulator, "PUT", f"{EVENT_SUBS}/runs", body=webhook_body())
    response = raw(emulator, "PATCH", f"{EVENT_SUBS}/runs", body={"eventDeliverySchema": "CloudEventSchemaV1_0"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "The new event delivery schema value CloudEventSchemaV1_0 cannot be different from the already existing "
        "event delivery schema value EventGridSchema.")


def test_schema_change_on_put_over_an_existing_subscription_is_refused(emulator):
    raw(emulator, "PUT", f"{EVENT_SUBS}/runs", body=webhook_body(eventDeliverySchema="CloudEventSchemaV1_0"))
    response = raw(emulator, "PUT", f"{EVENT_SUBS}/runs", body=webhook_body(eventDeliverySchema="EventGridSchema"))
    assert response.status_code == 400 and "cannot be different" in response.json()["error"]["message"]


def test_invalid_patch_leaves_the_subscription_unchanged(emulator):
    raw(emulator, "PUT", f"{EVENT_SUBS}/runs", body=webhook_body(labels=["a"]))
    response = raw(emulator, "PATCH", f"{EVENT_SUBS}/runs", body={"labels": ["b"], "retryPolicy": {
        "maxDeliveryAttempts": 0}})
    assert response.status_code == 400
    assert raw(emulator, "GET", f"{EVENT_SUBS}/runs").json()["properties"]["labels"] == ["a"]


def test_patch_of_a_missing_subscription_is_404(emulator):
    assert raw(emulator, "PATCH", f"{EVENT_SUBS}/ghost", body={"labels": []}).status_code == 404


def test_event_types_compare_case_insensitively_and_keep_their_spelling(emulator):
    body = webhook_body(filter={"includedEventTypes": [RUN.lower()]})
    assert raw(emulator, "PUT", f"{EVENT_SUBS}/runs", body=body).status_code == 201
    stored = raw(emulator, "GET", f"{EVENT_SUBS}/runs").json()["properties"]["filter"]
    assert stored["includedEventTypes"] == [RUN.lower()]


def _sdk_cases():
    from datetime import datetime, timezone

    from azure.mgmt.eventgrid.models import (
        EventSubscriptionFilter,
        RetryPolicy,
        StorageBlobDeadLetterDestination,
        StringInAdvancedFilter,
        WebHookEventSubscriptionDestination,
    )

    return [
        ("http-url", {"destination": WebHookEventSubscriptionDestination(endpoint_url="http://example.com")},
         URL_INVALID),
        ("26-filters", {"filter": EventSubscriptionFilter(advanced_filters=[
            StringInAdvancedFilter(key=f"data.k{i}", values=["x"]) for i in range(26)])}, "26 advanced filters"),
        ("retry", {"retry_policy": RetryPolicy(max_delivery_attempts=40)}, "between 1 and 30"),
        ("batch", {"destination": WebHookEventSubscriptionDestination(endpoint_url=HOOK, max_events_per_batch=0)},
         "between 1 and 5000"),
        ("expired", {"expiration_time_utc": datetime(2020, 1, 1, tzinfo=timezone.utc)}, "in the past"),
        ("dead-letter", {"dead_letter_destination": StorageBlobDeadLetterDestination(resource_id=HUB)},
         "storage account"),
    ]


@pytest.mark.parametrize("case", _sdk_cases(), ids=lambda c: c[0])
def test_the_sdk_raises_http_response_error_with_the_arm_code(emulator, eventgrid_client, case):
    from azure.core.exceptions import HttpResponseError
    from azure.mgmt.eventgrid.models import (
        EventSubscription,
        WebHookEventSubscriptionDestination,
    )

    _, fields, message = case
    fields = {"destination": WebHookEventSubscriptionDestination(endpoint_url=HOOK), **fields}
    client = eventgrid_client(emulator)
    with pytest.raises(HttpResponseError) as err:
        client.event_subscriptions.begin_create_or_update(SCOPE, "bad-sub", EventSubscription(**fields))
    assert (err.value.status_code, err.value.error.code) == (400, "InvalidRequest")
    assert message in err.value.error.message
    assert list(client.event_subscriptions.list_by_resource(RG, NS, "workspaces", WS)) == []
