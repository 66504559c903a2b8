"""The PUT body of ``subscription create``: every destination type, az parity with the recordings, bad inputs."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

import pytest
from ids import providers

from amlevents.core.errors import InvalidInputError
from amlevents.core.filters.build import build_filter
from amlevents.core.filters.model import EventFilter
from amlevents.core.subscription.delivery_attributes import (
    DeliveryAttribute,
    parse_delivery_attribute,
)
from amlevents.core.subscription.options import SubscriptionOptions
from amlevents.core.subscription.properties import build_properties

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
PROVIDERS = providers("rg")
EVENT_HUB = PROVIDERS + "Microsoft.EventHub/namespaces/ns/eventhubs/hub"
SB_QUEUE = PROVIDERS + "Microsoft.ServiceBus/namespaces/ns/queues/q"
SB_TOPIC = PROVIDERS + "Microsoft.ServiceBus/namespaces/ns/topics/t"
RELAY = PROVIDERS + "Microsoft.Relay/namespaces/ns/hybridConnections/hc"
FUNCTION = PROVIDERS + "Microsoft.Web/sites/app/functions/fn"
ACCOUNT = PROVIDERS + "Microsoft.Storage/storageAccounts/sa"
QUEUE = ACCOUNT + "/queueServices/default/queues/q1"
CONTAINER = ACCOUNT + "/blobServices/default/containers/deadletters"
USER_IDENTITY = PROVIDERS + "Microsoft.ManagedIdentity/userAssignedIdentities/uai"
URL = (
    "https://devexpfuncappdestination.azurewebsites.net/runtime/webhooks/EventGrid"
    "?functionName=EventGridTrigger1&code=REDACTED"
)
DEVEXP = providers("DevExpRg")
RETRY_DEFAULTS = {"maxDeliveryAttempts": 30, "eventTimeToLiveInMinutes": 1440}
BATCH_DEFAULTS = {"maxEventsPerBatch": 1, "preferredBatchSizeInKilobytes": 64}  # the 10.4 SDK always sends them


def create(event_filter: EventFilter | None = None, **options: Any) -> dict[str, Any]:
    return build_properties(SubscriptionOptions(**options), event_filter or EventFilter(), now=NOW)


def with_sdk_batch_defaults(recorded: str) -> dict[str, Any]:
    """A recorded az PUT body's properties, plus the batch fields the 10.4 SDK adds to a webhook/function."""
    props = json.loads(recorded)["properties"]
    dest = props.get("destination") or props["deliveryWithResourceIdentity"]["destination"]
    if dest["endpointType"] in ("WebHook", "AzureFunction"):
        dest["properties"] = {**dest["properties"], **BATCH_DEFAULTS, **dest["properties"]}
    return props


# --- az parity: the recorded PUT bodies (az-cli.md §5) --------------------------------------------------------


def test_item_1_webhook_with_a_number_in_filter_matches_the_recording() -> None:
    recorded = (
        '{"properties": {"destination": {"endpointType": "WebHook", "properties": {"endpointUrl": "' + URL + '"}},'
        ' "filter": {"isSubjectCaseSensitive": false, "advancedFilters": [{"operatorType": "NumberIn", "key":'
        ' "data.key2", "values": [2.0, 3.0, 4.0, 100.0, 200.0]}]}, "retryPolicy": {"maxDeliveryAttempts": 30,'
        ' "eventTimeToLiveInMinutes": 1440}}}'
    )
    f = build_filter(advanced_filters=["data.key2 NumberIn 2 3 4 100 200"])
    assert create(f, endpoint=URL) == with_sdk_batch_defaults(recorded)


def test_item_7_subject_types_case_and_labels_match_the_recording() -> None:
    f = EventFilter(
        subject_ends_with="mysubject_suffix",
        included_event_types=("blobCreated", "blobUpdated"),
        is_subject_case_sensitive=True,
    )
    props = create(f, endpoint=URL, labels=("Finance", "HR"))
    assert props["filter"] == {
        "subjectEndsWith": "mysubject_suffix",
        "includedEventTypes": ["blobCreated", "blobUpdated"],
        "isSubjectCaseSensitive": True,
    }
    assert props["labels"] == ["Finance", "HR"]


def test_item_10_service_bus_topic_with_cloud_events_matches_the_recording() -> None:
    props = create(
        EventFilter(subject_begins_with="SomeRandomText1"),
        endpoint_type="SErvIcEBusTOPic",
        endpoint=SB_TOPIC,
        delivery_schema="CloudEVENTSchemaV1_0",
    )
    assert props == {
        "destination": {"endpointType": "ServiceBusTopic", "properties": {"resourceId": SB_TOPIC}},
        "filter": {"subjectBeginsWith": "SomeRandomText1", "isSubjectCaseSensitive": False},
        "eventDeliverySchema": "CloudEventSchemaV1_0",
        "retryPolicy": RETRY_DEFAULTS,
    }


def test_item_11_azure_function_with_batching_matches_the_recording() -> None:
    props = create(
        endpoint_type="azUREFunction", endpoint=FUNCTION, max_events_per_batch=10, preferred_batch_size_kb=128
    )
    assert props["destination"] == {
        "endpointType": "AzureFunction",
        "properties": {"resourceId": FUNCTION, "maxEventsPerBatch": 10, "preferredBatchSizeInKilobytes": 128},
    }


def test_item_12_webhook_with_aad_matches_the_recording() -> None:
    props = create(endpoint_type="webhook", endpoint=URL, aad_tenant_id="tenant", aad_app_id_or_uri="api://app")
    assert props["destination"]["properties"] == {
        "endpointUrl": URL,
        **BATCH_DEFAULTS,
        "azureActiveDirectoryTenantId": "tenant",
        "azureActiveDirectoryApplicationIdOrUri": "api://app",
    }


def test_item_13_storage_queue_with_ttl_matches_the_recording() -> None:
    account = DEVEXP + "Microsoft.Storage/storageAccounts/devexpstg"
    recorded = (
        '{"properties": {"destination": {"endpointType": "StorageQueue", "properties": {"resourceId": "'
        + account
        + '",'
        ' "queueName": "stogqueuedestination", "queueMessageTimeToLiveInSeconds": 120}},'
        ' "filter": {"isSubjectCaseSensitive": false}, "eventDeliverySchema": "CloudEventSchemaV1_0",'
        ' "retryPolicy": {"maxDeliveryAttempts": 30, "eventTimeToLiveInMinutes": 1440}}}'
    )
    props = create(
        endpoint_type="stoRAgequeue",
        endpoint=account + "/queueServices/default/queues/stogqueuedestination",
        delivery_schema="cloudeventschemav1_0",
        storage_queue_ttl_seconds=120,
    )
    assert props == with_sdk_batch_defaults(recorded)


def test_item_14_delivery_attributes_match_the_recording_but_false_means_false() -> None:
    recorded = (
        '{"properties": {"destination": {"endpointType": "WebHook", "properties": {"endpointUrl": "' + URL + '",'
        ' "deliveryAttributeMappings": [{"name": "somestaticname1", "type": "Static", "properties": {"value":'
        ' "somestaticvalue1", "isSecret": false}}, {"name": "somestaticname2", "type": "Static", "properties":'
        ' {"value": "somestaticvalue2", "isSecret": true}}, {"name": "somestaticname3", "type": "Static",'
        ' "properties": {"value": "somestaticvalue3", "isSecret": false}}, {"name": "somedynamicattribname1",'
        ' "type": "Dynamic", "properties": {"sourceField": "data.key1"}}]}}, "filter": {"isSubjectCaseSensitive":'
        ' false}, "retryPolicy": {"maxDeliveryAttempts": 30, "eventTimeToLiveInMinutes": 1440}}}'
    )  # az sent somestaticname3 as "isSecret": true (bool("false")); the corrected body says false
    mappings = [
        "somestaticname1 static somestaticvalue1",
        "somestaticname2 static somestaticvalue2 true",
        "somestaticname3 static somestaticvalue3 false",
        "somedynamicattribname1 dynamic data.key1",
    ]
    props = create(endpoint=URL, delivery_attributes=tuple(parse_delivery_attribute(m) for m in mappings))
    assert props == with_sdk_batch_defaults(recorded)


def test_item_15_system_assigned_delivery_identity_matches_the_recording() -> None:
    hub = DEVEXP + "Microsoft.eventhub/namespaces/devexpeh/eventhubs/eventhub1"  # the recording's lower-case provider
    props = create(endpoint_type="eventhub", endpoint=hub, delivery_identity="systemassigned")
    assert "destination" not in props
    assert props["deliveryWithResourceIdentity"] == {
        "identity": {"type": "SystemAssigned"},
        "destination": {"endpointType": "EventHub", "properties": {"resourceId": hub}},
    }


# --- each destination type --------------------------------------------------------------------------------------

DESTINATIONS = [
    ("webhook", URL, {"endpointType": "WebHook", "properties": {"endpointUrl": URL, **BATCH_DEFAULTS}}),
    (
        "azurefunction",
        FUNCTION,
        {"endpointType": "AzureFunction", "properties": {"resourceId": FUNCTION, **BATCH_DEFAULTS}},
    ),
    ("eventhub", EVENT_HUB, {"endpointType": "EventHub", "properties": {"resourceId": EVENT_HUB}}),
    ("servicebusqueue", SB_QUEUE, {"endpointType": "ServiceBusQueue", "properties": {"resourceId": SB_QUEUE}}),
    ("servicebustopic", SB_TOPIC, {"endpointType": "ServiceBusTopic", "properties": {"resourceId": SB_TOPIC}}),
    ("hybridconnection", RELAY, {"endpointType": "HybridConnection", "properties": {"resourceId": RELAY}}),
    ("storagequeue", QUEUE, {"endpointType": "StorageQueue", "properties": {"resourceId": ACCOUNT, "queueName": "q1"}}),
]


@pytest.mark.parametrize(("endpoint_type", "endpoint", "destination"), DESTINATIONS, ids=[d[0] for d in DESTINATIONS])
def test_each_destination_type_builds_its_whole_body(endpoint_type: str, endpoint: str, destination: dict) -> None:
    assert create(endpoint_type=endpoint_type, endpoint=endpoint) == {
        "destination": destination,
        "filter": {"isSubjectCaseSensitive": False},
        "retryPolicy": RETRY_DEFAULTS,
    }


def test_webhook_is_the_default_endpoint_type() -> None:
    assert create(endpoint=URL)["destination"]["endpointType"] == "WebHook"


def test_webhook_takes_every_webhook_setting() -> None:
    attr = DeliveryAttribute("x-env", "Static", value="prod")
    props = create(
        endpoint=URL,
        max_events_per_batch=50,
        preferred_batch_size_kb=512,
        aad_tenant_id="t",
        aad_app_id_or_uri="a",
        delivery_attributes=(attr,),
        min_tls_version="1.2",
    )
    assert props["destination"]["properties"] == {
        "endpointUrl": URL,
        "maxEventsPerBatch": 50,
        "preferredBatchSizeInKilobytes": 512,
        "azureActiveDirectoryTenantId": "t",
        "azureActiveDirectoryApplicationIdOrUri": "a",
        "deliveryAttributeMappings": [
            {"name": "x-env", "type": "Static", "properties": {"value": "prod", "isSecret": False}}
        ],
        "minimumTlsVersionAllowed": "1.2",
    }


def test_storage_queue_ttl_minus_one_means_never_expire() -> None:
    props = create(endpoint_type="storagequeue", endpoint=QUEUE, storage_queue_ttl_seconds=-1)
    assert props["destination"]["properties"]["queueMessageTimeToLiveInSeconds"] == -1


# --- identities, dead-lettering, labels, schema, expiration, retry ---------------------------------------------


def test_user_assigned_delivery_identity_carries_the_identity_id() -> None:
    props = create(
        endpoint_type="servicebusqueue",
        endpoint=SB_QUEUE,
        delivery_identity="UserAssigned",
        delivery_identity_user_id=USER_IDENTITY,
    )
    assert props["deliveryWithResourceIdentity"]["identity"] == {
        "type": "UserAssigned",
        "userAssignedIdentity": USER_IDENTITY,
    }


def test_delivery_identity_none_is_plain_delivery() -> None:
    assert "destination" in create(endpoint=URL, delivery_identity="none")


DEAD_LETTER = {"endpointType": "StorageBlob", "properties": {"resourceId": ACCOUNT, "blobContainerName": "deadletters"}}


def test_dead_letter_endpoint_is_split_into_account_and_container() -> None:
    props = create(endpoint=URL, deadletter_endpoint=CONTAINER)
    assert props["deadLetterDestination"] == DEAD_LETTER
    assert "deadLetterWithResourceIdentity" not in props


@pytest.mark.parametrize(
    ("kind", "user_id", "identity"),
    [
        ("systemassigned", None, {"type": "SystemAssigned"}),
        ("userassigned", USER_IDENTITY, {"type": "UserAssigned", "userAssignedIdentity": USER_IDENTITY}),
    ],
)
def test_dead_letter_identity_wraps_the_destination(kind: str, user_id: str | None, identity: dict) -> None:
    props = create(
        endpoint=URL, deadletter_endpoint=CONTAINER, deadletter_identity=kind, deadletter_identity_user_id=user_id
    )
    assert props["deadLetterWithResourceIdentity"] == {"identity": identity, "deadLetterDestination": DEAD_LETTER}
    assert "deadLetterDestination" not in props


def test_optional_fields_are_absent_unless_given() -> None:
    assert set(create(endpoint=URL)) == {"destination", "filter", "retryPolicy"}


def test_labels_schema_and_retry_are_sent_as_given() -> None:
    props = create(endpoint=URL, labels=("a", "b"), delivery_schema="CUSTOMINPUTSCHEMA", max_delivery_attempts=5)
    assert props["labels"] == ["a", "b"]
    assert props["eventDeliverySchema"] == "CustomInputSchema"
    assert props["retryPolicy"] == {"maxDeliveryAttempts": 5, "eventTimeToLiveInMinutes": 1440}


def test_event_ttl_alone_keeps_the_default_attempts() -> None:
    assert create(endpoint=URL, event_ttl_minutes=60)["retryPolicy"] == {
        "maxDeliveryAttempts": 30,
        "eventTimeToLiveInMinutes": 60,
    }


def test_the_filter_keeps_an_explicit_case_sensitivity_and_array_flag() -> None:
    f = EventFilter(is_subject_case_sensitive=True, enable_advanced_filtering_on_arrays=True)
    assert create(f, endpoint=URL)["filter"] == {
        "isSubjectCaseSensitive": True,
        "enableAdvancedFilteringOnArrays": True,
    }


@pytest.mark.parametrize(
    ("expiration", "wire"),
    [
        ("2030-01-02", "2030-01-02T00:00:00Z"),
        ("2030-01-02T03:04:05", "2030-01-02T03:04:05Z"),
        ("2030-01-02T03:04:05Z", "2030-01-02T03:04:05Z"),
        ("2030-01-02T03:04:05+02:00", "2030-01-02T01:04:05Z"),
        ("2030-01-02T03:04:05.250", "2030-01-02T03:04:05.250000Z"),
        (date(2030, 1, 2), "2030-01-02T00:00:00Z"),
        (datetime(2030, 1, 2, 3, 4, 5), "2030-01-02T03:04:05Z"),
        ("2025-06-01T12:00:01Z", "2025-06-01T12:00:01Z"),
    ],
)
def test_expiration_is_sent_in_utc_with_a_z(expiration: Any, wire: str) -> None:
    assert create(endpoint=URL, expiration=expiration)["expirationTimeUtc"] == wire


# --- bad input -------------------------------------------------------------------------------------------------

MAPPING = DeliveryAttribute("h", "Static", value="v")
BAD = [
    ({}, "--endpoint is required"),
    ({"endpoint": "http://example.com/hook"}, "Event Grid delivers only over https"),
    ({"endpoint": "example.com/hook"}, "--endpoint 'example.com/hook' is not an absolute https URL"),
    ({"endpoint": EVENT_HUB}, "is not an absolute https URL"),
    ({"endpoint": URL, "endpoint_type": "functionapp"}, "--endpoint-type 'functionapp' is not an endpoint type"),
    (
        {"endpoint": SB_QUEUE, "endpoint_type": "eventhub"},
        "--endpoint for endpoint type EventHub must be its ARM resource id",
    ),
    ({"endpoint": URL, "endpoint_type": "azurefunction"}, "--endpoint for endpoint type AzureFunction"),
    ({"endpoint": SB_QUEUE, "endpoint_type": "servicebustopic"}, "ServiceBusTopic must be its ARM resource id"),
    ({"endpoint": ACCOUNT, "endpoint_type": "storagequeue"}, "Expected format of --endpoint for storage queue is:"),
    ({"endpoint": QUEUE + "/x", "endpoint_type": "storagequeue"}, "Expected format of --endpoint for storage queue"),
    ({"endpoint": URL, "max_events_per_batch": 0}, "--max-events-per-batch must be a number between 1 and 5000, got 0"),
    ({"endpoint": URL, "max_events_per_batch": 5001}, "--max-events-per-batch must be a number between 1 and 5000"),
    (
        {"endpoint": EVENT_HUB, "endpoint_type": "eventhub", "max_events_per_batch": 5},
        "--max-events-per-batch applies only to endpoint types WebHook, AzureFunction, not EventHub",
    ),
    (
        {"endpoint": URL, "preferred_batch_size_kb": 0},
        "--preferred-batch-size-in-kilobytes must be a number between 1 and 1024",
    ),
    (
        {"endpoint": URL, "preferred_batch_size_kb": 1025},
        "--preferred-batch-size-in-kilobytes must be a number between 1 and 1024",
    ),
    (
        {"endpoint": QUEUE, "endpoint_type": "storagequeue", "preferred_batch_size_kb": 64},
        "--preferred-batch-size-in-kilobytes applies only",
    ),
    ({"endpoint": URL, "aad_tenant_id": "t"}, "--aad-tenant-id and --aad-app-id-or-uri go together"),
    ({"endpoint": URL, "aad_app_id_or_uri": "a"}, "--aad-tenant-id and --aad-app-id-or-uri go together"),
    (
        {"endpoint": FUNCTION, "endpoint_type": "azurefunction", "aad_tenant_id": "t", "aad_app_id_or_uri": "a"},
        "--aad-tenant-id applies only to endpoint types WebHook",
    ),
    ({"endpoint": URL, "min_tls_version": "1.3"}, "--min-tls-version must be one of 1.0, 1.1, 1.2"),
    ({"endpoint": EVENT_HUB, "endpoint_type": "eventhub", "min_tls_version": "1.2"}, "--min-tls-version applies only"),
    (
        {"endpoint": QUEUE, "endpoint_type": "storagequeue", "storage_queue_ttl_seconds": 0},
        "--storage-queue-msg-ttl must be -1",
    ),
    (
        {"endpoint": QUEUE, "endpoint_type": "storagequeue", "storage_queue_ttl_seconds": -5},
        "--storage-queue-msg-ttl must be -1",
    ),
    (
        {"endpoint": URL, "storage_queue_ttl_seconds": 60},
        "--storage-queue-msg-ttl applies only to endpoint types StorageQueue",
    ),
    (
        {"endpoint": QUEUE, "endpoint_type": "storagequeue", "delivery_attributes": (MAPPING,)},
        "--delivery-attribute-mapping applies only",
    ),
    (
        {
            "endpoint": URL,
            "delivery_attributes": tuple(DeliveryAttribute(f"h{i}", "Static", value="v") for i in range(11)),
        },
        "11 mappings exceed the Event Grid limit of 10",
    ),
    (
        {"endpoint": URL, "delivery_attributes": (MAPPING, DeliveryAttribute("H", "Dynamic", source_field="data.x"))},
        "the header 'H' is mapped twice",
    ),
    ({"endpoint": URL, "delivery_identity": "managed"}, "--delivery-identity 'managed' is not an identity type"),
    (
        {"endpoint": URL, "delivery_identity": "userassigned"},
        "--delivery-identity userassigned needs --delivery-identity-user-id",
    ),
    (
        {"endpoint": URL, "delivery_identity": "systemassigned", "delivery_identity_user_id": USER_IDENTITY},
        "--delivery-identity-user-id needs --delivery-identity userassigned",
    ),
    (
        {"endpoint": URL, "delivery_identity_user_id": USER_IDENTITY},
        "--delivery-identity-user-id needs --delivery-identity userassigned",
    ),
    (
        {"endpoint": URL, "delivery_identity": "userassigned", "delivery_identity_user_id": EVENT_HUB},
        "--delivery-identity-user-id must be the ARM id of a user-assigned identity",
    ),
    ({"endpoint": URL, "deadletter_endpoint": ACCOUNT}, "Expected format of --deadletter-endpoint is:"),
    ({"endpoint": URL, "deadletter_endpoint": QUEUE}, "Expected format of --deadletter-endpoint is:"),
    (
        {"endpoint": URL, "deadletter_identity": "systemassigned"},
        "--deadletter-identity needs a dead-letter destination",
    ),
    (
        {"endpoint": URL, "deadletter_endpoint": CONTAINER, "deadletter_identity": "userassigned"},
        "--deadletter-identity userassigned needs --deadletter-identity-user-id",
    ),
    ({"endpoint": URL, "max_delivery_attempts": 0}, "--max-delivery-attempts must be a number between 1 and 30, got 0"),
    ({"endpoint": URL, "max_delivery_attempts": 31}, "--max-delivery-attempts must be a number between 1 and 30"),
    ({"endpoint": URL, "event_ttl_minutes": 0}, "--event-ttl must be a number between 1 and 1440, got 0"),
    ({"endpoint": URL, "event_ttl_minutes": 1441}, "--event-ttl must be a number between 1 and 1440"),
    (
        {"endpoint": URL, "expiration": "2025-06-01T12:00:00Z"},
        "--expiration-date 2025-06-01T12:00:00Z is not in the future",
    ),
    ({"endpoint": URL, "expiration": "2024-01-01"}, "is not in the future"),
    ({"endpoint": URL, "expiration": "next tuesday"}, "--expiration-date 'next tuesday' is not an ISO 8601 date"),
    (
        {"endpoint": URL, "delivery_schema": "cloudevents"},
        "--event-delivery-schema 'cloudevents' is not a delivery schema",
    ),
    ({"endpoint": URL, "labels": ("ok", "")}, "--labels must be non-empty strings"),
    ({"endpoint": URL, "clear_labels": True}, "--clear-labels applies to subscription update only"),
    ({"endpoint": URL, "clear_deadletter": True}, "--clear-dead-letter applies to subscription update only"),
    ({"endpoint": URL, "clear_expiration": True}, "--clear-expiration applies to subscription update only"),
    (
        {"endpoint": URL, "clear_delivery_attributes": True},
        "--clear-delivery-attributes applies to subscription update only",
    ),
]


@pytest.mark.parametrize(("options", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_input_is_refused_naming_the_option(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        create(**options)
    assert message in str(info.value)


def test_http_webhook_error_explains_that_event_grid_refuses_http() -> None:
    with pytest.raises(InvalidInputError) as info:
        create(endpoint="http://example.com/hook")
    assert "https" in info.value.hint


def test_a_resource_id_given_as_webhook_hints_at_the_endpoint_type() -> None:
    with pytest.raises(InvalidInputError) as info:
        create(endpoint=EVENT_HUB)
    assert "--endpoint-type" in info.value.hint


# --- delivery attribute mappings -------------------------------------------------------------------------------

PARSED = [
    ("env static prod", DeliveryAttribute("env", "Static", value="prod")),
    ("env static prod false", DeliveryAttribute("env", "Static", value="prod", is_secret=False)),
    ("env STATIC prod TRUE", DeliveryAttribute("env", "Static", value="prod", is_secret=True)),
    ("key static 'a b' true", DeliveryAttribute("key", "Static", value="a b", is_secret=True)),
    ("run Dynamic data.runId", DeliveryAttribute("run", "Dynamic", source_field="data.runId")),
    (["env", "static", "a b"], DeliveryAttribute("env", "Static", value="a b")),
    (["env static prod true"], DeliveryAttribute("env", "Static", value="prod", is_secret=True)),
]


@pytest.mark.parametrize(("expr", "attribute"), PARSED, ids=[str(e) for e, _ in PARSED])
def test_delivery_attribute_mappings_parse_in_az_form(expr: Any, attribute: DeliveryAttribute) -> None:
    assert parse_delivery_attribute(expr) == attribute


BAD_MAPPINGS = [
    ("env static prod maybe", "the secret flag must be true or false"),
    ("env static prod 0", "the secret flag must be true or false"),
    ("env", "needs NAME TYPE VALUE"),
    ("env static", "needs NAME TYPE VALUE"),
    ("env dynamic a b", "a dynamic mapping takes one source field"),
    ("env static a true extra", "has too many values"),
    ("env constant a", "the type must be static or dynamic"),
    ("env static 'open", "No closing quotation"),
]


@pytest.mark.parametrize(("expr", "message"), BAD_MAPPINGS, ids=[e for e, _ in BAD_MAPPINGS])
def test_bad_delivery_attribute_mappings_are_refused(expr: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_delivery_attribute(expr)
    assert message in str(info.value)


@pytest.mark.parametrize("attribute", [a for _, a in PARSED], ids=[str(e) for e, _ in PARSED])
def test_delivery_attributes_round_trip_through_wire_json(attribute: DeliveryAttribute) -> None:
    assert DeliveryAttribute.from_wire(attribute.to_wire()) == attribute


def test_wire_shapes_of_static_and_dynamic_mappings() -> None:
    assert parse_delivery_attribute("s static v true").to_wire() == {
        "name": "s",
        "type": "Static",
        "properties": {"value": "v", "isSecret": True},
    }
    assert parse_delivery_attribute("d dynamic data.x").to_wire() == {
        "name": "d",
        "type": "Dynamic",
        "properties": {"sourceField": "data.x"},
    }
