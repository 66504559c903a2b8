"""The PATCH body of ``subscription update``: each change sends its field whole and nothing else."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

import pytest
from campaigns import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from ids import providers

from amlevents.core.catalog import EVENT_TYPES
from amlevents.core.errors import InvalidInputError
from amlevents.core.filters.model import AdvancedFilter, EventFilter, Operator
from amlevents.core.subscription.delivery_attributes import DeliveryAttribute
from amlevents.core.subscription.destination import endpoint_of
from amlevents.core.subscription.options import WRITABLE, SubscriptionOptions
from amlevents.core.subscription.properties import build_properties, writable_properties
from amlevents.core.subscription.update import (
    apply_patch,
    edit_filter,
    merge_update,
    needs_put,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
PROVIDERS = providers("rg")
ACCOUNT = PROVIDERS + "Microsoft.Storage/storageAccounts/sa"
CONTAINER = ACCOUNT + "/blobServices/default/containers/"
EVENT_HUB = PROVIDERS + "Microsoft.EventHub/namespaces/ns/eventhubs/"
USER_IDENTITY = PROVIDERS + "Microsoft.ManagedIdentity/userAssignedIdentities/uai"
URL = "https://hooks.example.com/aml?code=s3cret"
MODEL_REGISTERED = "Microsoft.MachineLearningServices.ModelRegistered"

SECRET = {"name": "x-key", "type": "Static", "properties": {"value": "real-secret", "isSecret": True}}
PLAIN = {"name": "x-env", "type": "Static", "properties": {"value": "prod", "isSecret": False}}
DYNAMIC = {"name": "x-run", "type": "Dynamic", "properties": {"sourceField": "data.runId"}}
WEBHOOK = {
    "endpointUrl": URL,  # hydrated from getFullUrl
    "maxEventsPerBatch": 4,
    "preferredBatchSizeInKilobytes": 128,
    "azureActiveDirectoryTenantId": "tenant",
    "azureActiveDirectoryApplicationIdOrUri": "api://app",
    "deliveryAttributeMappings": [SECRET, PLAIN, DYNAMIC],  # the secret hydrated from getDeliveryAttributes
}
DEAD_LETTER = {"endpointType": "StorageBlob", "properties": {"resourceId": ACCOUNT, "blobContainerName": "dl"}}
FILTER = {
    "subjectBeginsWith": "models/churn:",
    "subjectEndsWith": "",
    "includedEventTypes": [MODEL_REGISTERED],
    "advancedFilters": [{"operatorType": "StringIn", "key": "data.ModelTags.stage", "values": ["prod"]}],
}
# A hydrated GET: read-only fields and endpointBaseUrl included, as the caller hands it over.
CURRENT: dict[str, Any] = {
    "topic": "/subscriptions/0/resourcegroups/rg/providers/microsoft.machinelearningservices/workspaces/ws",
    "provisioningState": "Succeeded",
    "destination": {
        "endpointType": "WebHook",
        "properties": {**WEBHOOK, "endpointBaseUrl": "https://hooks.example.com/aml"},
    },
    "filter": FILTER,
    "labels": ["team-a"],
    "expirationTimeUtc": "2030-01-01T00:00:00Z",
    "eventDeliverySchema": "EventGridSchema",
    "retryPolicy": {"maxDeliveryAttempts": 10, "eventTimeToLiveInMinutes": 60},
    "deadLetterDestination": DEAD_LETTER,
}


def update(
    current: dict[str, Any] = CURRENT, event_filter: EventFilter | None = None, **options: Any
) -> tuple[dict, list]:
    return merge_update(current, SubscriptionOptions(**options), event_filter, now=NOW)


def webhook(**changes: Any) -> dict[str, Any]:
    return {"destination": {"endpointType": "WebHook", "properties": {**WEBHOOK, **changes}}}


SINGLE_CHANGES = [
    (
        "attempts",
        {"max_delivery_attempts": 5},
        {"retryPolicy": {"maxDeliveryAttempts": 5, "eventTimeToLiveInMinutes": 60}},
    ),
    ("ttl", {"event_ttl_minutes": 120}, {"retryPolicy": {"maxDeliveryAttempts": 10, "eventTimeToLiveInMinutes": 120}}),
    ("batch", {"max_events_per_batch": 10}, webhook(maxEventsPerBatch=10)),
    ("batch size", {"preferred_batch_size_kb": 256}, webhook(preferredBatchSizeInKilobytes=256)),
    ("endpoint", {"endpoint": "https://new.example.com/x"}, webhook(endpointUrl="https://new.example.com/x")),
    ("tls", {"min_tls_version": "1.2"}, webhook(minimumTlsVersionAllowed="1.2")),
    ("aad tenant", {"aad_tenant_id": "other"}, webhook(azureActiveDirectoryTenantId="other")),
    (
        "mapping replaced by name",
        {"delivery_attributes": (DeliveryAttribute("X-ENV", "Static", value="dev"),)},
        webhook(
            deliveryAttributeMappings=[SECRET, DeliveryAttribute("X-ENV", "Static", value="dev").to_wire(), DYNAMIC]
        ),
    ),
    (
        "mapping added",
        {"delivery_attributes": (DeliveryAttribute("x-new", "Dynamic", source_field="data.modelName"),)},
        webhook(
            deliveryAttributeMappings=[
                SECRET,
                PLAIN,
                DYNAMIC,
                DeliveryAttribute("x-new", "Dynamic", source_field="data.modelName").to_wire(),
            ]
        ),
    ),
    (
        "mappings cleared",
        {"clear_delivery_attributes": True},
        {
            "destination": {
                "endpointType": "WebHook",
                "properties": {k: v for k, v in WEBHOOK.items() if k != "deliveryAttributeMappings"},
            }
        },
    ),
    ("labels", {"labels": ("b", "c")}, {"labels": ["b", "c"]}),
    ("clear labels", {"clear_labels": True}, {"labels": []}),
    ("expiration", {"expiration": "2031-05-06"}, {"expirationTimeUtc": "2031-05-06T00:00:00Z"}),
    ("clear expiration", {"clear_expiration": True}, {"expirationTimeUtc": None}),
    (
        "dead letter",
        {"deadletter_endpoint": CONTAINER + "other"},
        {
            "deadLetterDestination": {
                "endpointType": "StorageBlob",
                "properties": {"resourceId": ACCOUNT, "blobContainerName": "other"},
            }
        },
    ),
    (
        "dead letter identity",
        {"deadletter_identity": "systemassigned"},
        {
            "deadLetterWithResourceIdentity": {
                "identity": {"type": "SystemAssigned"},
                "deadLetterDestination": DEAD_LETTER,
            }
        },
    ),
    ("clear dead letter", {"clear_deadletter": True}, {"deadLetterDestination": None}),
    (
        "delivery identity",
        {"delivery_identity": "userassigned", "delivery_identity_user_id": USER_IDENTITY},
        {
            "deliveryWithResourceIdentity": {
                "identity": {"type": "UserAssigned", "userAssignedIdentity": USER_IDENTITY},
                "destination": webhook()["destination"],
            }
        },
    ),
    ("same schema", {"delivery_schema": "eventgridschema"}, {}),
    ("same attempts", {"max_delivery_attempts": 10}, {}),
    ("same expiration", {"expiration": "2030-01-01T01:00:00+01:00"}, {}),
    ("nothing", {}, {}),
]


@pytest.mark.parametrize(("options", "body"), [c[1:] for c in SINGLE_CHANGES], ids=[c[0] for c in SINGLE_CHANGES])
def test_a_single_change_sends_exactly_its_field(options: dict[str, Any], body: dict[str, Any]) -> None:
    assert update(**options)[0] == body


def test_changed_names_list_the_fields_that_change() -> None:
    assert update(max_delivery_attempts=5, labels=("x",)) == (
        {"labels": ["x"], "retryPolicy": {"maxDeliveryAttempts": 5, "eventTimeToLiveInMinutes": 60}},
        ["labels", "retryPolicy"],
    )


def test_an_update_that_changes_nothing_returns_nothing() -> None:
    assert update(event_filter=EventFilter.from_wire(FILTER), max_events_per_batch=4) == ({}, [])


def test_secret_delivery_attributes_survive_a_batch_size_change() -> None:
    body, _ = update(preferred_batch_size_kb=512)
    assert body["destination"]["properties"]["deliveryAttributeMappings"][0] == SECRET


def eventhub_current(**options: Any) -> dict[str, Any]:
    props = build_properties(
        SubscriptionOptions(endpoint_type="eventhub", endpoint=EVENT_HUB + "one", **options), EventFilter(), now=NOW
    )
    return {**props, "provisioningState": "Succeeded"}


def test_endpoint_alone_keeps_the_event_hub_type_and_its_mappings() -> None:
    current = eventhub_current(delivery_attributes=(DeliveryAttribute("h", "Static", value="v", is_secret=True),))
    body, changed = update(current, endpoint=EVENT_HUB + "two")
    assert changed == ["destination"]
    assert body["destination"] == {
        "endpointType": "EventHub",
        "properties": {
            "resourceId": EVENT_HUB + "two",
            "deliveryAttributeMappings": [current["destination"]["properties"]["deliveryAttributeMappings"][0]],
        },
    }


def test_switching_to_identity_delivery_sends_only_the_wrapper() -> None:
    body, changed = update(eventhub_current(), delivery_identity="systemassigned")
    assert body == {
        "deliveryWithResourceIdentity": {
            "identity": {"type": "SystemAssigned"},
            "destination": {"endpointType": "EventHub", "properties": {"resourceId": EVENT_HUB + "one"}},
        }
    }  # recording 07: no "destination" key; the service then returns "destination": null
    assert changed == ["destination", "deliveryWithResourceIdentity"]


def test_identity_none_moves_the_destination_back_out_of_the_wrapper() -> None:
    body, _ = update(eventhub_current(delivery_identity="systemassigned"), delivery_identity="none")
    assert body == {"destination": {"endpointType": "EventHub", "properties": {"resourceId": EVENT_HUB + "one"}}}


def test_a_new_endpoint_keeps_identity_delivery() -> None:
    body, _ = update(eventhub_current(delivery_identity="systemassigned"), endpoint=EVENT_HUB + "two")
    assert body["deliveryWithResourceIdentity"]["identity"] == {"type": "SystemAssigned"}
    assert body["deliveryWithResourceIdentity"]["destination"]["properties"]["resourceId"] == EVENT_HUB + "two"


def test_changing_the_endpoint_type_keeps_what_the_new_type_has() -> None:
    body, _ = update(endpoint_type="azurefunction", endpoint=PROVIDERS + "Microsoft.Web/sites/app/functions/fn")
    assert body["destination"]["properties"] == {
        "resourceId": PROVIDERS + "Microsoft.Web/sites/app/functions/fn",
        "maxEventsPerBatch": 4,
        "preferredBatchSizeInKilobytes": 128,
        "deliveryAttributeMappings": [SECRET, PLAIN, DYNAMIC],
    }  # the AAD settings exist only on webhooks


def test_clearing_dead_lettering_sends_null_and_asks_for_a_put() -> None:
    body, _ = update(clear_deadletter=True)
    assert needs_put(body)
    assert "deadLetterDestination" not in apply_patch(CURRENT, body)


def test_clearing_identity_dead_lettering_nulls_the_identity_field() -> None:
    current = {**writable_properties(CURRENT), "deadLetterDestination": None}
    current["deadLetterWithResourceIdentity"] = {
        "identity": {"type": "SystemAssigned"},
        "deadLetterDestination": DEAD_LETTER,
    }
    assert update(current, clear_deadletter=True)[0] == {"deadLetterWithResourceIdentity": None}


def test_clearing_the_expiration_needs_a_put() -> None:
    assert needs_put(update(clear_expiration=True)[0])


def test_other_changes_do_not_need_a_put() -> None:
    assert not needs_put(update(clear_labels=True, max_delivery_attempts=3)[0])


def test_apply_patch_gives_the_complete_properties_for_that_put() -> None:
    body, _ = update(clear_deadletter=True, max_delivery_attempts=3)
    expected = {k: v for k, v in writable_properties(CURRENT).items() if k != "deadLetterDestination"}
    expected["retryPolicy"] = {"maxDeliveryAttempts": 3, "eventTimeToLiveInMinutes": 60}
    assert apply_patch(CURRENT, body) == expected


def test_a_schema_change_is_refused_with_the_service_message() -> None:
    with pytest.raises(InvalidInputError) as info:
        update(delivery_schema="cloudeventschemav1_0")
    assert (
        "The new event delivery schema value CloudEventSchemaV1_0 cannot be different from the already existing "
        "event delivery schema value EventGridSchema." in str(info.value)
    )
    assert "create it again" in info.value.hint


def test_a_missing_schema_counts_as_the_default() -> None:
    current = {k: v for k, v in CURRENT.items() if k != "eventDeliverySchema"}
    assert update(current, delivery_schema="EventGridSchema") == ({}, [])


UPDATE_ERRORS = [
    ({"endpoint_type": "eventhub"}, "--endpoint-type eventhub needs --endpoint"),
    (
        {"storage_queue_ttl_seconds": 60},
        "--storage-queue-msg-ttl applies only to endpoint types StorageQueue, not WebHook",
    ),
    ({"labels": ("a",), "clear_labels": True}, "--clear-labels and --labels contradict each other"),
    ({"expiration": "2031-01-01", "clear_expiration": True}, "--clear-expiration and --expiration-date contradict"),
    (
        {"deadletter_endpoint": CONTAINER + "x", "clear_deadletter": True},
        "--clear-dead-letter and --deadletter-endpoint contradict",
    ),
    (
        {"deadletter_identity": "systemassigned", "clear_deadletter": True},
        "--clear-dead-letter and --deadletter-identity contradict",
    ),
    ({"max_events_per_batch": 0}, "--max-events-per-batch must be a number between 1 and 5000, got 0"),
]


@pytest.mark.parametrize(("options", "message"), UPDATE_ERRORS, ids=[m for _, m in UPDATE_ERRORS])
def test_bad_updates_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        update(**options)
    assert message in str(info.value)


def test_a_webhook_without_its_full_url_cannot_be_sent_again() -> None:
    current = copy.deepcopy(CURRENT)
    current["destination"]["properties"]["endpointUrl"] = None  # not hydrated
    with pytest.raises(InvalidInputError, match="full URL is not known"):
        update(current, max_events_per_batch=2)
    assert update(current, max_delivery_attempts=2)[1] == ["retryPolicy"]  # other fields need no URL


def test_dead_letter_identity_without_any_dead_letter_destination_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="needs a dead-letter destination"):
        update(eventhub_current(), deadletter_identity="systemassigned")


# --- the filter --------------------------------------------------------------------------------------------------

CURRENT_FILTER = EventFilter.from_wire(FILTER)


def test_an_unchanged_filter_is_not_sent() -> None:
    assert update(event_filter=edit_filter(CURRENT_FILTER, subject_ends_with="")) == ({}, [])


def test_a_changed_filter_is_sent_whole() -> None:
    body, changed = update(event_filter=edit_filter(CURRENT_FILTER, subject_ends_with=":3"))
    assert body == {"filter": {**FILTER, "subjectEndsWith": ":3", "isSubjectCaseSensitive": False}}
    assert changed == ["filter"]


STATUS = AdvancedFilter(Operator.StringIn, "data.runStatus", values=("Failed",))
TAG = AdvancedFilter(Operator.StringIn, "data.ModelTags.stage", values=("prod",))
OWNER = AdvancedFilter(Operator.StringIn, "data.ModelTags.owner", values=("me",))


def test_add_advanced_filter_appends() -> None:
    assert edit_filter(CURRENT_FILTER, add=["data.runStatus StringIn Failed"]).advanced_filters == (TAG, STATUS)


def test_remove_advanced_filter_drops_every_filter_on_the_key_in_any_case() -> None:
    current = EventFilter(advanced_filters=(TAG, OWNER, AdvancedFilter(Operator.IsNotNull, "data.modeltags.stage")))
    assert edit_filter(current, remove_keys=["DATA.ModelTags.Stage"]).advanced_filters == (OWNER,)


def test_removing_the_last_filter_leaves_none() -> None:
    assert edit_filter(CURRENT_FILTER, remove_keys=["data.ModelTags.stage"]).advanced_filters is None


def test_remove_then_add_replaces_the_filters_on_one_key() -> None:
    edited = edit_filter(CURRENT_FILTER, remove_keys=["data.ModelTags.stage"], add=[OWNER])
    assert edited.advanced_filters == (OWNER,)


def test_removing_an_unknown_key_names_the_keys_present() -> None:
    with pytest.raises(InvalidInputError) as info:
        edit_filter(EventFilter(advanced_filters=(TAG, OWNER)), remove_keys=["data.nope"])
    assert str(info.value) == "--remove-advanced-filter: no advanced filter on key 'data.nope'"
    assert "data.ModelTags.stage, data.ModelTags.owner" in info.value.hint


def test_clear_advanced_filters_then_add() -> None:
    assert edit_filter(CURRENT_FILTER, clear_advanced=True, add=[STATUS]).advanced_filters == (STATUS,)


def test_clear_subject_filters_sets_both_to_empty_strings() -> None:
    edited = edit_filter(CURRENT_FILTER, clear_subject=True)
    assert (edited.subject_begins_with, edited.subject_ends_with) == ("", "")


def test_the_create_flags_replace_what_they_name() -> None:
    edited = edit_filter(
        CURRENT_FILTER, event_types=["RunStatusChanged"], advanced_filters=["data.runStatus StringIn Failed"]
    )
    assert edited.included_event_types == ("Microsoft.MachineLearningServices.RunStatusChanged",)
    assert edited.advanced_filters == (STATUS,)
    assert edited.subject_begins_with == "models/churn:"


FILTER_EDIT_ERRORS = [
    ({"advanced_filters": [STATUS], "add": [OWNER]}, "--advanced-filter replaces the whole list"),
    ({"advanced_filters": [STATUS], "clear_advanced": True}, "--advanced-filter replaces the whole list"),
    ({"clear_advanced": True, "remove_keys": ["data.x"]}, "--clear-advanced-filters already removes every filter"),
    ({"clear_subject": True, "subject_begins_with": "models/"}, "--clear-subject-filters contradicts"),
    ({"add": [AdvancedFilter(Operator.IsNotNull, f"data.k{i}") for i in range(25)]}, "26 advanced filters exceed"),
    ({"event_types": ["ModelRegisterd"]}, "unknown Azure ML event type 'ModelRegisterd'"),
]


@pytest.mark.parametrize(("edits", "message"), FILTER_EDIT_ERRORS, ids=[m for _, m in FILTER_EDIT_ERRORS])
def test_bad_filter_edits_are_refused(edits: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        edit_filter(CURRENT_FILTER, **edits)
    assert message in str(info.value)


# --- property: one change round-trips through the service's PATCH semantics ----------------------------------

PAIRS = {
    "destination": "deliveryWithResourceIdentity",
    "deliveryWithResourceIdentity": "destination",
    "deadLetterDestination": "deadLetterWithResourceIdentity",
    "deadLetterWithResourceIdentity": "deadLetterDestination",
}


def service_apply(properties: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """What Event Grid stores after the PATCH: each given field replaces the current one whole, setting one of
    a pair drops the other, and null removes the field (for dead-lettering via the PUT that ``needs_put`` asks for)."""
    out = copy.deepcopy(properties)
    for key, value in body.items():
        if value is None:
            out.pop(key, None)
            continue
        out[key] = copy.deepcopy(value)
        if key in PAIRS and PAIRS[key] not in body:
            out.pop(PAIRS[key], None)
    return out


KINDS = [
    "webhook",
    "azurefunction",
    "eventhub",
    "servicebusqueue",
    "servicebustopic",
    "hybridconnection",
    "storagequeue",
]
DEST = {"destination", "deliveryWithResourceIdentity"}
DEAD = {"deadLetterDestination", "deadLetterWithResourceIdentity"}
NAMES = st.text(alphabet="abcdefghij0123456789", min_size=1, max_size=5)
KEYS = st.sampled_from(["data.a", "data.b", "data.runStatus", "subject"])
EXAMPLES = settings(max_examples=examples(200), deadline=None)


def endpoint_for(kind: str, name: str) -> str:
    return {
        "webhook": f"https://{name}.example.com/hook?code={name}",
        "azurefunction": PROVIDERS + f"Microsoft.Web/sites/{name}/functions/f",
        "eventhub": EVENT_HUB + name,
        "servicebusqueue": PROVIDERS + f"Microsoft.ServiceBus/namespaces/ns/queues/{name}",
        "servicebustopic": PROVIDERS + f"Microsoft.ServiceBus/namespaces/ns/topics/{name}",
        "hybridconnection": PROVIDERS + f"Microsoft.Relay/namespaces/ns/hybridConnections/{name}",
        "storagequeue": ACCOUNT + f"/queueServices/default/queues/{name}",
    }[kind]


MAPPINGS = st.lists(
    st.one_of(
        st.builds(lambda n, v, s: DeliveryAttribute(n, "Static", value=v, is_secret=s), NAMES, NAMES, st.booleans()),
        st.builds(lambda n: DeliveryAttribute(n, "Dynamic", source_field="data.x"), NAMES),
    ),
    max_size=3,
    unique_by=lambda a: a.name.lower(),
)
ADVANCED = st.one_of(
    st.builds(
        lambda k, v: AdvancedFilter(Operator.StringIn, k, values=tuple(v)),
        KEYS,
        st.lists(NAMES, min_size=1, max_size=3),
    ),
    st.builds(lambda k, v: AdvancedFilter(Operator.NumberLessThan, k, value=float(v)), KEYS, st.integers(-99, 99)),
    st.builds(lambda k: AdvancedFilter(Operator.IsNotNull, k), KEYS),
)
FILTERS = st.builds(
    EventFilter,
    included_event_types=st.none()
    | st.lists(st.sampled_from([t.event_type for t in EVENT_TYPES]), min_size=1, max_size=3, unique=True).map(tuple),
    subject_begins_with=st.none() | st.sampled_from(["", "models/", "experiments/e1/"]),
    subject_ends_with=st.none() | st.sampled_from(["", ":1"]),
    is_subject_case_sensitive=st.none() | st.booleans(),
    enable_advanced_filtering_on_arrays=st.none() | st.booleans(),
    advanced_filters=st.none() | st.lists(ADVANCED, min_size=1, max_size=4).map(tuple),
)


@st.composite
def identities(draw: st.DrawFn, option: str) -> dict[str, Any]:
    kind = draw(st.sampled_from([None, "systemassigned", "userassigned"]))
    return {option: kind, f"{option}_user_id": USER_IDENTITY if kind == "userassigned" else None}


@st.composite
def subscriptions(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A random valid subscription, as a hydrated GET returns it: (its endpoint kind, its properties)."""
    kind = draw(st.sampled_from(KINDS))
    kw: dict[str, Any] = {"endpoint_type": kind, "endpoint": endpoint_for(kind, draw(NAMES))}
    if kind in ("webhook", "azurefunction"):
        kw["max_events_per_batch"] = draw(st.none() | st.integers(1, 5000))
        kw["preferred_batch_size_kb"] = draw(st.none() | st.integers(1, 1024))
    if kind == "webhook" and draw(st.booleans()):
        kw.update(
            aad_tenant_id=draw(NAMES),
            aad_app_id_or_uri=draw(NAMES),
            min_tls_version=draw(st.sampled_from(["1.0", "1.2"])),
        )
    if kind == "storagequeue":
        kw["storage_queue_ttl_seconds"] = draw(st.none() | st.just(-1) | st.integers(1, 10**6))
    else:
        kw["delivery_attributes"] = tuple(draw(MAPPINGS)) or None
    kw.update(draw(identities("delivery_identity")))
    if draw(st.booleans()):
        kw["deadletter_endpoint"] = CONTAINER + draw(NAMES)
        kw.update(draw(identities("deadletter_identity")))
    kw["labels"] = draw(st.none() | st.lists(NAMES, min_size=1, max_size=3).map(tuple))
    kw["max_delivery_attempts"] = draw(st.none() | st.integers(1, 30))
    kw["event_ttl_minutes"] = draw(st.none() | st.integers(1, 1440))
    kw["delivery_schema"] = draw(
        st.none() | st.sampled_from(["eventgridschema", "cloudeventschemav1_0", "custominputschema"])
    )
    kw["expiration"] = draw(st.none() | st.datetimes(datetime(2026, 1, 1), datetime(2040, 1, 1)))
    props = build_properties(SubscriptionOptions(**kw), draw(FILTERS), now=NOW)
    props.update(topic="/subscriptions/s/resourcegroups/rg/providers/x/workspaces/ws", provisioningState="Succeeded")
    dest = props.get("destination") or props["deliveryWithResourceIdentity"]["destination"]
    if kind == "webhook":
        dest["properties"]["endpointBaseUrl"] = dest["properties"]["endpointUrl"].split("?")[0]
    return kind, props


@st.composite
def changes(draw: st.DrawFn, kind: str, props: dict[str, Any]) -> tuple[dict[str, Any], EventFilter | None, set[str]]:
    """One random change that applies to this subscription: (options, new filter, the fields it may change)."""
    current_filter = EventFilter.from_wire(props["filter"])
    keys = [f.key for f in current_filter.filters]
    choices: list[tuple[dict[str, Any], EventFilter | None, set[str]]] = [
        ({"max_delivery_attempts": draw(st.integers(1, 30))}, None, {"retryPolicy"}),
        ({"event_ttl_minutes": draw(st.integers(1, 1440))}, None, {"retryPolicy"}),
        ({"labels": tuple(draw(st.lists(NAMES, min_size=1, max_size=3)))}, None, {"labels"}),
        ({"clear_labels": True}, None, {"labels"}),
        ({"expiration": draw(st.datetimes(datetime(2026, 1, 1), datetime(2040, 1, 1)))}, None, {"expirationTimeUtc"}),
        ({"clear_expiration": True}, None, {"expirationTimeUtc"}),
        ({"deadletter_endpoint": CONTAINER + draw(NAMES)}, None, DEAD),
        ({"clear_deadletter": True}, None, DEAD),
        ({"endpoint": endpoint_for(kind, draw(NAMES))}, None, DEST),
        (draw(identities("delivery_identity")), None, DEST),
        ({"delivery_schema": (props.get("eventDeliverySchema") or "EventGridSchema").upper()}, None, set()),
    ]
    other = draw(st.sampled_from([k for k in KINDS if k != kind]))
    choices.append(({"endpoint_type": other, "endpoint": endpoint_for(other, draw(NAMES))}, None, DEST))
    if kind in ("webhook", "azurefunction"):
        choices.append(({"max_events_per_batch": draw(st.integers(1, 5000))}, None, DEST))
        choices.append(({"preferred_batch_size_kb": draw(st.integers(1, 1024))}, None, DEST))
    if kind == "webhook":
        choices.append(({"min_tls_version": draw(st.sampled_from(["1.0", "1.1", "1.2"]))}, None, DEST))
        choices.append(({"aad_tenant_id": draw(NAMES), "aad_app_id_or_uri": draw(NAMES)}, None, DEST))
    if kind == "storagequeue":
        choices.append(({"storage_queue_ttl_seconds": draw(st.integers(1, 10**6))}, None, DEST))
    else:
        choices.append(({"delivery_attributes": tuple(draw(MAPPINGS.filter(bool)))}, None, DEST))
        choices.append(({"clear_delivery_attributes": True}, None, DEST))
    if any(k in props for k in DEAD):
        choices.append((draw(identities("deadletter_identity")), None, DEAD))
    edits = [
        {"add": [draw(ADVANCED)]},
        {"clear_advanced": True},
        {"clear_subject": True},
        {"subject_begins_with": draw(st.sampled_from(["", "models/", "endpoints/"]))},
        {"subject_case_sensitive": draw(st.booleans())},
        {"event_types": draw(st.lists(st.sampled_from([t.name for t in EVENT_TYPES]), min_size=1, max_size=2))},
    ]
    if keys:
        edits.append({"remove_keys": [draw(st.sampled_from(keys)).upper()]})
    choices.append(({}, edit_filter(current_filter, **draw(st.sampled_from(edits))), {"filter"}))
    return draw(st.sampled_from(choices))


@EXAMPLES
@given(st.data())
def test_one_change_leaves_every_other_field_identical(data: st.DataObject) -> None:
    kind, current = data.draw(subscriptions())
    options, new_filter, may_change = data.draw(changes(kind, current))
    body, changed = merge_update(current, SubscriptionOptions(**options), new_filter, now=NOW)

    assert set(body) <= set(changed) <= may_change
    result = service_apply(current, body)
    for key in WRITABLE:
        if key in changed:
            assert writable_properties(result).get(key) != writable_properties(current).get(key)
        else:
            assert result.get(key) == current.get(key)
    # the result is what was asked for: the same update again changes nothing
    assert merge_update(result, SubscriptionOptions(**options), new_filter, now=NOW) == ({}, [])


@EXAMPLES
@given(st.data())
def test_the_changed_field_holds_the_new_value(data: st.DataObject) -> None:
    kind, current = data.draw(subscriptions())
    options, new_filter, _ = data.draw(changes(kind, current))
    result = service_apply(current, merge_update(current, SubscriptionOptions(**options), new_filter, now=NOW)[0])
    dest = result.get("destination") or result["deliveryWithResourceIdentity"]["destination"]
    if "endpoint" in options:
        assert endpoint_of(dest) == options["endpoint"]
    if "max_delivery_attempts" in options:
        assert result["retryPolicy"]["maxDeliveryAttempts"] == options["max_delivery_attempts"]
    if new_filter is not None:
        assert EventFilter.from_wire(result["filter"]).advanced_filters == new_filter.advanced_filters
    if options.get("clear_deadletter"):
        assert not DEAD & set(result)
    if options.get("delivery_attributes"):
        names = [m["name"] for m in dest["properties"]["deliveryAttributeMappings"]]
        assert all(a.name in names for a in options["delivery_attributes"])


def test_a_secret_still_hidden_is_never_sent_back() -> None:
    current = copy.deepcopy(CURRENT)
    current["destination"]["properties"]["deliveryAttributeMappings"][0]["properties"]["value"] = "Hidden"
    with pytest.raises(InvalidInputError, match="secret value of delivery attribute 'x-key' is not known"):
        update(current, max_events_per_batch=2)


def test_giving_the_hidden_secret_again_makes_the_update_possible() -> None:
    current = copy.deepcopy(CURRENT)
    current["destination"]["properties"]["deliveryAttributeMappings"][0]["properties"]["value"] = "Hidden"
    again = DeliveryAttribute("x-key", "Static", value="new-secret", is_secret=True)
    body, _ = update(current, max_events_per_batch=2, delivery_attributes=(again,))
    assert body["destination"]["properties"]["deliveryAttributeMappings"][0] == again.to_wire()


def test_destinations_amlevents_does_not_model_are_not_edited() -> None:
    current = {**writable_properties(CURRENT), "destination": {"endpointType": "MonitorAlert", "properties": {}}}
    with pytest.raises(InvalidInputError, match="MonitorAlert, which amlevents cannot edit"):
        update(current, max_events_per_batch=2)
    assert update(current, max_delivery_attempts=2)[1] == ["retryPolicy"]


# option -> (the part of the subscription it edits, the keys in that part that it may change)
TOUCHES = {
    "max_delivery_attempts": ("retry", {"maxDeliveryAttempts"}),
    "event_ttl_minutes": ("retry", {"eventTimeToLiveInMinutes"}),
    "endpoint": ("delivery", {"endpointUrl", "resourceId", "queueName"}),
    "max_events_per_batch": ("delivery", {"maxEventsPerBatch"}),
    "preferred_batch_size_kb": ("delivery", {"preferredBatchSizeInKilobytes"}),
    "min_tls_version": ("delivery", {"minimumTlsVersionAllowed"}),
    "aad_tenant_id": ("delivery", {"azureActiveDirectoryTenantId", "azureActiveDirectoryApplicationIdOrUri"}),
    "storage_queue_ttl_seconds": ("delivery", {"queueMessageTimeToLiveInSeconds"}),
    "delivery_attributes": ("delivery", {"deliveryAttributeMappings"}),
    "clear_delivery_attributes": ("delivery", {"deliveryAttributeMappings"}),
    "delivery_identity": ("delivery", {"identity"}),
    "deadletter_endpoint": ("dead letter", {"destination"}),
    "deadletter_identity": ("dead letter", {"identity"}),
}


def part(props: dict[str, Any], name: str) -> dict[str, Any]:
    """One part of a subscription, flattened: the retry policy, the delivery or the dead-lettering."""
    if name == "retry":
        return props["retryPolicy"]
    if name == "delivery":
        wrapper = props.get("deliveryWithResourceIdentity")
        dest = wrapper["destination"] if wrapper else props["destination"]
        flat = {k: v for k, v in dest["properties"].items() if k != "endpointBaseUrl"}
        return {"endpointType": dest["endpointType"], "identity": wrapper and wrapper["identity"], **flat}
    wrapper = props.get("deadLetterWithResourceIdentity")
    return {
        "identity": wrapper and wrapper["identity"],
        "destination": wrapper["deadLetterDestination"] if wrapper else props.get("deadLetterDestination"),
    }


@EXAMPLES
@given(st.data())
def test_a_partial_change_keeps_the_rest_of_its_field(data: st.DataObject) -> None:
    kind, current = data.draw(subscriptions())
    options, new_filter, _ = data.draw(changes(kind, current))
    touched = [TOUCHES[k] for k in options if k in TOUCHES and "endpoint_type" not in options]
    result = service_apply(current, merge_update(current, SubscriptionOptions(**options), new_filter, now=NOW)[0])
    for name, keys in touched:
        before, after = part(current, name), part(result, name)
        assert {k: before.get(k) for k in set(before) - keys} == {k: after.get(k) for k in set(after) - keys}
