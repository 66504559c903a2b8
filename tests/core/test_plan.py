"""``plan``: desired vs current without noise, real changes with the right path, secrets never shown."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from campaigns import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ids import providers

from amlevents.core.catalog import EVENT_TYPES
from amlevents.core.errors import InvalidInputError
from amlevents.core.filters.build import build_filter
from amlevents.core.plan.steps import (
    Action,
    FieldChange,
    PlannedChange,
    diff,
    hidden_values,
    needs_full_url,
    needs_secrets,
    normalize,
    plan,
    put_body,
    summarize,
    to_json,
    update_body,
)
from amlevents.core.subscription.delivery_attributes import DeliveryAttribute
from amlevents.core.subscription.options import SubscriptionOptions
from amlevents.core.subscription.properties import build_properties
from amlevents.core.subscription.update import needs_put

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
PROVIDERS = providers("Rg")
WS = PROVIDERS + "Microsoft.MachineLearningServices/workspaces/ws"
EVENT_HUB = PROVIDERS + "Microsoft.EventHub/namespaces/ns/eventhubs/hub"
FN = PROVIDERS + "Microsoft.Web/sites/app/functions/fn"
ACCOUNT = PROVIDERS + "Microsoft.Storage/storageAccounts/sa"
USER_IDENTITY = PROVIDERS + "Microsoft.ManagedIdentity/userAssignedIdentities/uai"
BASE = "https://hooks.example.com/aml"
URL = BASE + "?code=s3cret"
ALL_TYPES = [t.event_type for t in EVENT_TYPES]
RUN_COMPLETED = "Microsoft.MachineLearningServices.RunCompleted"
URL_PATH = "destination.properties.endpointUrl"
SECRET_PATH = "destination.properties.deliveryAttributeMappings[x-key].properties.value"
HUB = {"endpointType": "EventHub", "properties": {"resourceId": EVENT_HUB}}
DEAD_LETTER = {"endpointType": "StorageBlob", "properties": {"resourceId": ACCOUNT, "blobContainerName": "dl"}}


def sub(**fields: Any) -> dict[str, Any]:
    """Writable properties of an Event Hub subscription, with ``fields`` replacing the defaults."""
    return {"destination": HUB, **fields}


def hook(url: str | None = URL, **props: Any) -> dict[str, Any]:
    """A webhook destination; ``url`` None is what a GET returns (``endpointUrl`` null plus the base)."""
    if url is None:
        return {"endpointType": "WebHook", "properties": {"endpointUrl": None, "endpointBaseUrl": BASE, **props}}
    return {"endpointType": "WebHook", "properties": {"endpointUrl": url, **props}}


def mapping(name: str, value: str, secret: bool = True) -> dict[str, Any]:
    return {"name": name, "type": "Static", "properties": {"value": value, "isSecret": secret}}


def changes(desired: dict[str, Any], current: dict[str, Any], **kwargs: Any) -> list[FieldChange]:
    return diff(desired, current, **kwargs).changes


# --- normalisation: these pairs must compare equal ------------------------------------------------------------

NOISE = [
    ("retry defaults", sub(), sub(retryPolicy={"maxDeliveryAttempts": 30, "eventTimeToLiveInMinutes": 1440})),
    ("retry half", sub(retryPolicy={"maxDeliveryAttempts": 9}),
     sub(retryPolicy={"maxDeliveryAttempts": 9, "eventTimeToLiveInMinutes": 1440})),
    ("retry float", sub(retryPolicy={"maxDeliveryAttempts": 9}), sub(retryPolicy={"maxDeliveryAttempts": 9.0})),
    ("schema default", sub(), sub(eventDeliverySchema="EventGridSchema")),
    ("schema case", sub(eventDeliverySchema="cloudeventschemav1_0"), sub(eventDeliverySchema="CloudEventSchemaV1_0")),
    ("function batch defaults", sub(destination={"endpointType": "AzureFunction", "properties": {"resourceId": FN}}),
     sub(destination={"endpointType": "AzureFunction", "properties": {
         "resourceId": FN, "maxEventsPerBatch": 1, "preferredBatchSizeInKilobytes": 64}})),
    ("empty subjects", sub(filter={}), sub(filter={"subjectBeginsWith": "", "subjectEndsWith": ""})),
    ("case flag absent", sub(filter={"isSubjectCaseSensitive": False}), sub(filter={})),
    ("arrays false", sub(filter={}), sub(filter={"enableAdvancedFilteringOnArrays": False})),
    ("types omitted", sub(), sub(filter={"includedEventTypes": ALL_TYPES[::-1]})),
    ("types empty", sub(filter={"includedEventTypes": []}), sub(filter={"includedEventTypes": ALL_TYPES})),
    ("types null", sub(filter={"includedEventTypes": None}), sub(filter={"includedEventTypes": ALL_TYPES})),
    ("types order and case", sub(filter={"includedEventTypes": [RUN_COMPLETED, ALL_TYPES[0]]}),
     sub(filter={"includedEventTypes": [ALL_TYPES[0].upper(), RUN_COMPLETED.lower()]})),
    ("labels null", sub(), sub(labels=None)),
    ("labels empty", sub(labels=[]), sub(labels=None)),
    ("labels order", sub(labels=["b", "a"]), sub(labels=["a", "b"])),
    ("resource id case", sub(), sub(destination={"endpointType": "EventHub", "properties": {
        "resourceId": EVENT_HUB.lower().replace("microsoft.eventhub", "Microsoft.eventhub")}})),
    ("endpoint type case", sub(), sub(destination={**HUB, "endpointType": "eventhub"})),
    ("dead letter id case", sub(deadLetterDestination=DEAD_LETTER),
     sub(deadLetterDestination={"endpointType": "storageblob",
                                "properties": {"resourceId": ACCOUNT.upper(), "blobContainerName": "dl"}})),
    ("identity id case",
     sub(deliveryWithResourceIdentity={"identity": {"type": "UserAssigned", "userAssignedIdentity": USER_IDENTITY},
                                       "destination": HUB}, destination=None),
     {"destination": None, "deliveryWithResourceIdentity": {
         "identity": {"type": "userassigned", "userAssignedIdentity": USER_IDENTITY.lower()}, "destination": HUB}}),
    ("numbers", sub(filter={"advancedFilters": [{"operatorType": "NumberIn", "key": "data.n", "values": [2, 3]}]}),
     sub(filter={"advancedFilters": [{"operatorType": "NumberIn", "key": "data.n", "values": [2.0, 3.0]}]})),
    ("filter and value order",
     sub(filter={"advancedFilters": [{"operatorType": "StringIn", "key": "data.a", "values": ["x", "y"]},
                                     {"operatorType": "IsNotNull", "key": "data.b"}]}),
     sub(filter={"advancedFilters": [{"operatorType": "IsNotNull", "key": "data.b"},
                                     {"operatorType": "stringin", "key": "data.a", "values": ["y", "x"]}]})),
    ("expiration instant", sub(expirationTimeUtc="2030-01-01T01:00:00+01:00"),
     sub(expirationTimeUtc="2030-01-01T00:00:00.0000000Z")),
    ("read-only and null fields", sub(), {**sub(), "topic": WS.lower(), "provisioningState": "Succeeded",
                                          "deadLetterDestination": None, "expirationTimeUtc": None}),
    ("mapping order and header case",
     sub(destination={**HUB, "properties": {**HUB["properties"], "deliveryAttributeMappings": [
         mapping("X-B", "2", False), mapping("x-a", "1", False)]}}),
     sub(destination={**HUB, "properties": {**HUB["properties"], "deliveryAttributeMappings": [
         mapping("x-a", "1", False), mapping("x-b", "2", False)]}})),
    ("url host case", sub(destination=hook()), sub(destination=hook("https://HOOKS.example.com/aml?code=s3cret"))),
]


@pytest.mark.parametrize(("desired", "current"), [c[1:] for c in NOISE], ids=[c[0] for c in NOISE])
def test_noise_compares_equal(desired: dict[str, Any], current: dict[str, Any]) -> None:
    assert diff(desired, current) == diff(current, current)
    assert changes(desired, current) == []


def test_normalize_fills_the_five_event_types_sorted() -> None:
    assert normalize(sub())["filter"]["includedEventTypes"] == sorted(ALL_TYPES)


# --- real changes ---------------------------------------------------------------------------------------------

CHANGES = [
    ("attempts", sub(retryPolicy={"maxDeliveryAttempts": 10}), sub(),
     [FieldChange("retryPolicy.maxDeliveryAttempts", 30, 10)]),
    ("labels added", sub(labels=["a"]), sub(labels=None), [FieldChange("labels", None, ["a"])]),
    ("labels changed", sub(labels=["a", "b"]), sub(labels=["a"]), [FieldChange("labels", ["a"], ["a", "b"])]),
    ("subject", sub(filter={"subjectBeginsWith": "models/"}), sub(filter={"subjectBeginsWith": ""}),
     [FieldChange("filter.subjectBeginsWith", None, "models/")]),
    ("case sensitive", sub(filter={"isSubjectCaseSensitive": True}), sub(),
     [FieldChange("filter.isSubjectCaseSensitive", False, True)]),
    ("event types", sub(filter={"includedEventTypes": [RUN_COMPLETED]}), sub(),
     [FieldChange("filter.includedEventTypes", sorted(ALL_TYPES), [RUN_COMPLETED])]),
    ("advanced filters",
     sub(filter={"advancedFilters": [{"operatorType": "NumberIn", "key": "data.n", "values": [2.0]}]}), sub(),
     [FieldChange("filter.advancedFilters", None, [{"operatorType": "NumberIn", "key": "data.n", "values": [2]}])]),
    ("resource id", sub(destination={**HUB, "properties": {"resourceId": EVENT_HUB + "2"}}), sub(),
     [FieldChange("destination.properties.resourceId", EVENT_HUB.lower(), EVENT_HUB.lower() + "2")]),
    ("endpoint type: the whole destination", sub(destination=hook(BASE)), sub(),
     [FieldChange("destination", {"endpointType": "EventHub", "properties": {"resourceId": EVENT_HUB.lower()}},
                  {"endpointType": "WebHook", "properties": {"endpointUrl": BASE, "maxEventsPerBatch": 1,
                                                             "preferredBatchSizeInKilobytes": 64}})]),
    ("dead letter added", sub(deadLetterDestination=DEAD_LETTER), sub(),
     [FieldChange("deadLetterDestination", None, {"endpointType": "StorageBlob", "properties": {
         "resourceId": ACCOUNT.lower(), "blobContainerName": "dl"}})]),
    ("expiration removed", sub(), sub(expirationTimeUtc="2030-01-01T00:00:00Z"),
     [FieldChange("expirationTimeUtc", "2030-01-01T00:00:00Z", None)]),
    ("dynamic source field",
     sub(destination={**HUB, "properties": {**HUB["properties"], "deliveryAttributeMappings": [
         {"name": "x-run", "type": "Dynamic", "properties": {"sourceField": "data.runId"}}]}}),
     sub(destination={**HUB, "properties": {**HUB["properties"], "deliveryAttributeMappings": [
         {"name": "x-run", "type": "Dynamic", "properties": {"sourceField": "subject"}}]}}),
     [FieldChange("destination.properties.deliveryAttributeMappings[x-run].properties.sourceField", "subject",
                  "data.runId")]),
]


@pytest.mark.parametrize(("desired", "current", "expected"), [c[1:] for c in CHANGES], ids=[c[0] for c in CHANGES])
def test_a_real_change_is_reported_with_its_path(desired: dict, current: dict, expected: list[FieldChange]) -> None:
    assert changes(desired, current) == expected


def test_moving_into_identity_delivery_changes_both_fields() -> None:
    desired = {"deliveryWithResourceIdentity": {"identity": {"type": "SystemAssigned"}, "destination": HUB}}
    assert [c.path for c in changes(desired, sub())] == ["destination", "deliveryWithResourceIdentity"]


# --- webhook URLs ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("desired_url", [URL, BASE, "https://hooks.example.com/aml?code=other"])
def test_same_base_with_unknown_query_is_unverified_not_changed(desired_url: str) -> None:
    result = diff(sub(destination=hook(desired_url)), sub(destination=hook(None)))
    assert (result.changes, result.unverified) == ([], [URL_PATH])


def test_a_different_base_is_a_change_even_without_the_full_url() -> None:
    result = diff(sub(destination=hook("https://new.example.com/x?code=s3cret")), sub(destination=hook(None)))
    assert result.changes == [FieldChange(URL_PATH, BASE, "https://new.example.com/x?code=(secret)")]


def test_with_the_full_url_a_query_change_is_detected_and_redacted() -> None:
    result = diff(sub(destination=hook(BASE + "?code=n3w")), sub(destination=hook(None)), current_full_url=URL)
    assert result.changes == [FieldChange(URL_PATH, BASE + "?code=(secret)", BASE + "?code=(changed)")]
    assert result.unverified == []
    assert "s3cret" not in repr(result) and "n3w" not in repr(result)


def test_with_the_full_url_an_equal_url_is_no_change() -> None:
    assert diff(sub(destination=hook()), sub(destination=hook(None)), current_full_url=URL).unverified == []


def test_the_full_url_hydrates_an_identity_wrapped_webhook() -> None:
    def wrapped(url: str | None) -> dict[str, Any]:
        return {"deliveryWithResourceIdentity": {"identity": {"type": "SystemAssigned"}, "destination": hook(url)}}

    assert diff(wrapped(URL), wrapped(None), current_full_url=URL).unverified == []


@pytest.mark.parametrize(("desired", "current", "expected"), [
    (sub(destination=hook()), sub(destination=hook(None)), True),
    (sub(destination=hook()), sub(destination=hook()), False),
    (sub(), sub(destination=hook(None)), False),
])
def test_needs_full_url(desired: dict, current: dict, expected: bool) -> None:
    assert needs_full_url(desired, current) is expected


def test_a_password_in_the_url_is_redacted() -> None:
    (change,) = changes(sub(destination=hook("https://u:pw@hooks.example.com/aml")), sub(destination=hook()))
    assert change.new == "https://u:(secret)@hooks.example.com/aml"


# --- secret delivery attributes -------------------------------------------------------------------------------

def with_mappings(*mappings: dict[str, Any], url: str | None = URL) -> dict[str, Any]:
    return sub(destination=hook(url, deliveryAttributeMappings=list(mappings)))


def test_a_hidden_secret_is_unverified_without_its_value() -> None:
    result = diff(with_mappings(mapping("x-key", "s3cret")), with_mappings(mapping("x-key", "Hidden")))
    assert (result.changes, result.unverified) == ([], [SECRET_PATH])


@pytest.mark.parametrize("secrets", [{"X-Key": "s3cret"}, [mapping("x-key", "s3cret")]], ids=["dict", "list"])
def test_a_known_equal_secret_is_no_change(secrets: Any) -> None:
    result = diff(with_mappings(mapping("x-key", "s3cret")), with_mappings(mapping("x-key", "Hidden")),
                  current_secrets=secrets)
    assert (result.changes, result.unverified) == ([], [])


def test_a_secret_change_is_detected_and_redacted() -> None:
    result = diff(with_mappings(mapping("x-key", "n3w")), with_mappings(mapping("x-key", "Hidden")),
                  current_secrets={"x-key": "s3cret"})
    assert result.changes == [FieldChange(SECRET_PATH, "(secret)", "(changed)")]


def test_an_added_secret_mapping_shows_no_value() -> None:
    assert changes(with_mappings(mapping("x-key", "s3cret")), with_mappings(), current_full_url=URL) == [
        FieldChange("destination.properties.deliveryAttributeMappings[x-key]", None,
                    {"name": "x-key", "type": "Static", "properties": {"value": "(secret)", "isSecret": True}})
    ]


def test_needs_secrets_only_for_a_hidden_value_the_desired_side_names() -> None:
    current = with_mappings(mapping("x-key", "Hidden"))
    assert needs_secrets(with_mappings(mapping("X-KEY", "s3cret")), current)
    assert not needs_secrets(with_mappings(), current)


# --- plan -----------------------------------------------------------------------------------------------------

def resource(name: str, props: dict[str, Any], topic: str | None = None) -> dict[str, Any]:
    """An event subscription as GET returns it, on the workspace or under the system topic ``topic``."""
    if topic:
        rid = f"{PROVIDERS}Microsoft.EventGrid/systemTopics/{topic}/eventSubscriptions/{name}"
        kind = "Microsoft.EventGrid/systemTopics/eventSubscriptions"
    else:
        rid = f"{WS}/providers/Microsoft.EventGrid/eventSubscriptions/{name}"
        kind = "Microsoft.EventGrid/eventSubscriptions"
    return {"id": rid, "name": name, "type": kind, "properties": {"topic": WS.lower(), **props}}


def actions(steps: list[PlannedChange]) -> list[tuple[str, str, str]]:
    return [(s.name, s.action.value, s.kind) for s in steps]


CURRENT = {"same": resource("same", sub()), "Changed": resource("Changed", sub()), "extra": resource("extra", sub())}
DESIRED = {"SAME": sub(), "changed": sub(labels=["a"]), "new": sub()}


@pytest.mark.parametrize(("prune", "expected"), [
    (False, [("changed", "update", "workspace"), ("new", "create", "workspace"), ("SAME", "no-change", "workspace")]),
    (True, [("changed", "update", "workspace"), ("extra", "delete", "workspace"), ("new", "create", "workspace"),
            ("SAME", "no-change", "workspace")]),
])
def test_plan_actions_delete_only_with_prune(prune: bool, expected: list) -> None:
    assert actions(plan(DESIRED, CURRENT, workspace_id=WS, prune=prune)) == expected


def test_names_that_differ_only_in_case_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="differ only in case"):
        plan({"a-b": sub(), "A-B": sub()}, {}, workspace_id=WS, prune=False)


def test_a_move_to_the_system_topic_is_delete_then_create() -> None:
    steps = plan({"s": SimpleNamespace(properties=sub(), system_topic=True)}, {"s": resource("s", sub())},
                 workspace_id=WS, prune=False)
    assert actions(steps) == [("s", "delete", "workspace"), ("s", "create", "system-topic")]
    assert steps[1].changes == [FieldChange("kind", "workspace", "system-topic")]


def test_another_system_topic_is_a_move_too() -> None:
    steps = plan({"s": SimpleNamespace(properties=sub(), system_topic="t2")}, {"s": resource("s", sub(), topic="t1")},
                 workspace_id=WS, prune=False)
    assert [s.action for s in steps] == [Action.DELETE, Action.CREATE]
    assert steps[1].changes == [FieldChange("systemTopic", "t1", "t2")]


def test_a_schema_change_is_delete_then_create() -> None:
    steps = plan({"s": sub(eventDeliverySchema="CloudEventSchemaV1_0")}, {"s": resource("s", sub())},
                 workspace_id=WS, prune=False)
    assert [s.action for s in steps] == [Action.DELETE, Action.CREATE]


def test_hydration_is_looked_up_case_insensitively() -> None:
    current = {"hook": resource("hook", with_mappings(mapping("x-key", "Hidden"), url=None))}
    (step,) = plan({"HOOK": with_mappings(mapping("x-key", "s3cret"))}, current, workspace_id=WS, prune=False,
                   full_urls={"Hook": URL}, secrets={"hook": {"x-key": "s3cret"}})
    assert (step.action, step.unverified) == (Action.NO_CHANGE, [])


def test_hidden_values_names_what_to_fetch() -> None:
    current = {"Hook": resource("Hook", with_mappings(mapping("x-key", "Hidden"), url=None)),
               "hub": resource("hub", sub())}
    desired = {"hook": with_mappings(mapping("x-key", "s3cret")), "hub": sub()}
    assert hidden_values(desired, current) == (["Hook"], ["Hook"])


def test_summarize_counts_every_action() -> None:
    steps = plan(DESIRED, CURRENT, workspace_id=WS, prune=True)
    assert summarize(steps) == {"create": 1, "update": 1, "delete": 1, "no-change": 1}


def test_to_json_is_stable_and_redacted() -> None:
    current = {"hook": resource("hook", sub(destination=hook(None)))}
    steps = plan({"hook": sub(destination=hook(BASE + "?code=n3w"))}, current, workspace_id=WS, prune=False,
                 full_urls={"hook": URL})
    assert to_json(steps) == [{
        "workspace": WS, "name": "hook", "action": "update", "kind": "workspace",
        "changes": [{"path": URL_PATH, "old": BASE + "?code=(secret)", "new": BASE + "?code=(changed)"}],
        "unverified": [],
    }]
    assert "s3cret" not in json.dumps(to_json(steps))


# --- update_body ----------------------------------------------------------------------------------------------

def updated(desired: dict[str, Any], current: dict[str, Any]) -> PlannedChange:
    (step,) = plan({"s": desired}, {"s": resource("s", current)}, workspace_id=WS, prune=False)
    assert step.action is Action.UPDATE
    return step


UPDATE_BODIES = [
    ("retry: the whole field", sub(retryPolicy={"maxDeliveryAttempts": 5, "eventTimeToLiveInMinutes": 60}),
     sub(retryPolicy={"maxDeliveryAttempts": 30, "eventTimeToLiveInMinutes": 60}),
     {"retryPolicy": {"maxDeliveryAttempts": 5, "eventTimeToLiveInMinutes": 60}}),
    ("retry back to defaults", sub(), sub(retryPolicy={"maxDeliveryAttempts": 5}),
     {"retryPolicy": {"maxDeliveryAttempts": 30, "eventTimeToLiveInMinutes": 1440}}),
    ("subject dropped", sub(filter={"includedEventTypes": [RUN_COMPLETED]}),
     sub(filter={"includedEventTypes": [RUN_COMPLETED], "subjectBeginsWith": "experiments/"}),
     {"filter": {"includedEventTypes": [RUN_COMPLETED], "subjectBeginsWith": ""}}),
    ("labels removed", sub(), sub(labels=["a"]), {"labels": []}),
    ("to identity delivery: the pair drops destination",
     {"deliveryWithResourceIdentity": {"identity": {"type": "SystemAssigned"}, "destination": HUB}}, sub(),
     {"deliveryWithResourceIdentity": {"identity": {"type": "SystemAssigned"}, "destination": HUB}}),
]


@pytest.mark.parametrize(("desired", "current", "body"), [c[1:] for c in UPDATE_BODIES],
                         ids=[c[0] for c in UPDATE_BODIES])
def test_update_body_sends_each_changed_field_whole(desired: dict, current: dict, body: dict) -> None:
    assert update_body(updated(desired, current)) == body


def test_removing_dead_lettering_needs_a_put_of_the_desired_subscription() -> None:
    step = updated(sub(), sub(deadLetterDestination=DEAD_LETTER))
    body = update_body(step)
    assert body == {"deadLetterDestination": None} and needs_put(body)
    assert put_body(step) == sub()


def test_update_body_refuses_other_actions() -> None:
    (step,) = plan({"s": sub()}, {}, workspace_id=WS, prune=False)
    with pytest.raises(ValueError):
        update_body(step)


# --- no noise, for any desired subscription -------------------------------------------------------------------

ENDPOINTS = {
    "webhook": st.sampled_from([BASE, URL, BASE + "?a=1&code=x"]),
    "azurefunction": st.just(FN),
    "eventhub": st.just(EVENT_HUB),
    "storagequeue": st.just(ACCOUNT + "/queueServices/default/queues/q"),
    "servicebustopic": st.just(PROVIDERS + "Microsoft.ServiceBus/namespaces/ns/topics/t"),
}
FILTERS = ["data.ModelTags.stage StringIn prod staging Prod", "data.n NumberIn 3 2 10", "data.x NumberGreaterThan 5",
           "data.b BoolEquals true", "data.r NumberInRange 20,30 1,10", "data.k IsNotNull"]
ATTRIBUTES = st.one_of(
    st.builds(lambda n, v, s: DeliveryAttribute(n, "Static", value=v, is_secret=s),
              st.sampled_from(["x-a", "X-B", "x-c"]), st.text("abc", min_size=1, max_size=3), st.booleans()),
    st.builds(lambda n: DeliveryAttribute(n, "Dynamic", source_field="data.runId"), st.sampled_from(["x-d", "x-e"])),
)


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


@st.composite
def desired_properties(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(ENDPOINTS)))
    o: dict[str, Any] = {"endpoint_type": draw(st.sampled_from([kind, kind.upper()])),
                         "endpoint": draw(ENDPOINTS[kind])}
    if kind in ("webhook", "azurefunction"):
        o["max_events_per_batch"] = draw(maybe(st.integers(1, 5000)))
        o["preferred_batch_size_kb"] = draw(maybe(st.integers(1, 1024)))
    if kind != "storagequeue":
        o["delivery_attributes"] = draw(maybe(st.lists(ATTRIBUTES, max_size=3, unique_by=lambda a: a.name.lower())
                                              .map(tuple)))
    else:
        o["storage_queue_ttl_seconds"] = draw(maybe(st.sampled_from([-1, 60])))
    if draw(st.booleans()):
        o["delivery_identity"], o["delivery_identity_user_id"] = draw(st.sampled_from(
            [("systemassigned", None), ("userassigned", USER_IDENTITY)]))
    if draw(st.booleans()):
        o["deadletter_endpoint"] = ACCOUNT + "/blobServices/default/containers/dl"
        o["deadletter_identity"] = draw(maybe(st.just("systemassigned")))
    o["max_delivery_attempts"] = draw(maybe(st.integers(1, 30)))
    o["event_ttl_minutes"] = draw(maybe(st.integers(1, 1440)))
    o["labels"] = draw(maybe(st.lists(st.sampled_from(["b", "a", "c"]), min_size=1, max_size=3).map(tuple)))
    o["delivery_schema"] = draw(maybe(st.sampled_from(["eventgridschema", "CLOUDEVENTSCHEMAV1_0"])))
    o["expiration"] = draw(maybe(st.sampled_from(["2031-01-01", "2030-06-01T10:00:00.5+02:00"])))
    event_filter = build_filter(
        event_types=draw(st.lists(st.sampled_from(ALL_TYPES), unique=True, max_size=5)),
        subject_begins_with=draw(maybe(st.sampled_from(["", "experiments/"]))),
        subject_ends_with=draw(maybe(st.sampled_from(["", ".json"]))),
        subject_case_sensitive=draw(maybe(st.booleans())),
        advanced_filters=draw(st.lists(st.sampled_from(FILTERS), unique=True, max_size=3)),
        enable_arrays=draw(maybe(st.booleans())),
    )
    return build_properties(SubscriptionOptions(**o), event_filter, now=NOW)


def service_view(props: dict[str, Any]) -> dict[str, Any]:
    """What a GET returns for a subscription created with ``props`` (az-cli.md §5, arm-contract.md §3-4)."""
    p = copy.deepcopy(props)
    identity = p.get("deliveryWithResourceIdentity") or {}
    for dest in filter(None, [p.get("destination"), identity.get("destination")]):
        dp = dest["properties"]
        if dest["endpointType"] == "WebHook":
            dest["properties"] = dp = {"endpointUrl": None, "endpointBaseUrl": dp.pop("endpointUrl").split("?")[0],
                                       "azureActiveDirectoryTenantId": None, **dp}
        if "resourceId" in dp:
            dp["resourceId"] = dp["resourceId"].swapcase()
        for m in dp.get("deliveryAttributeMappings", []):
            if m["properties"].get("isSecret"):
                m["properties"]["value"] = "Hidden"
        dp.get("deliveryAttributeMappings", []).reverse()
    if identity.get("identity", {}).get("userAssignedIdentity"):
        identity["identity"]["userAssignedIdentity"] = USER_IDENTITY.lower()
    wrapper = p.get("deadLetterWithResourceIdentity") or {}
    dead = p.get("deadLetterDestination") or wrapper.get("deadLetterDestination")
    if dead:
        dead["properties"]["resourceId"] = dead["properties"]["resourceId"].lower()
    f = p["filter"]
    f["includedEventTypes"] = (f.get("includedEventTypes") or ALL_TYPES)[::-1]
    f.setdefault("subjectBeginsWith", "")
    f.setdefault("subjectEndsWith", "")
    if f.get("isSubjectCaseSensitive") is False:
        del f["isSubjectCaseSensitive"]  # the recorded GET omits it
    for a in f.get("advancedFilters", [])[::-1]:
        if "values" in a:
            a["values"] = a["values"][::-1]
    f.get("advancedFilters", []).reverse()
    if "expirationTimeUtc" in p:
        p["expirationTimeUtc"] = p["expirationTimeUtc"].replace("Z", "0+00:00") if "." in p["expirationTimeUtc"] \
            else p["expirationTimeUtc"].replace("Z", ".0000000Z")
    p["labels"] = p.get("labels", [])[::-1] or None
    p.setdefault("eventDeliverySchema", "EventGridSchema")
    p.setdefault("destination", None)
    return {"topic": WS.lower(), "provisioningState": "Succeeded", "deadLetterDestination": None, **p}


def secret_values(props: dict[str, Any]) -> dict[str, str]:
    dest = props.get("destination") or props["deliveryWithResourceIdentity"]["destination"]
    return {m["name"]: m["properties"].get("value") for m in dest["properties"].get("deliveryAttributeMappings", [])}


def full_url(props: dict[str, Any]) -> str | None:
    dest = props.get("destination") or props["deliveryWithResourceIdentity"]["destination"]
    return dest["properties"].get("endpointUrl")


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.too_slow])
@given(desired_properties())
def test_no_noise_against_the_service_view(desired: dict[str, Any]) -> None:
    current = service_view(desired)
    result = diff(desired, current, current_full_url=full_url(desired), current_secrets=secret_values(desired))
    assert (result.changes, result.unverified) == ([], [])


@settings(max_examples=examples(100), suppress_health_check=[HealthCheck.too_slow])
@given(desired_properties())
def test_without_hydration_hidden_values_are_only_unverified(desired: dict[str, Any]) -> None:
    result = diff(desired, service_view(desired))
    assert result.changes == []
    assert all(p.endswith((".endpointUrl", ".properties.value")) for p in result.unverified)


def test_no_noise_against_the_emulator_view() -> None:
    from amlevents.emulator.eventgrid import views
    from amlevents.emulator.eventgrid.validation import normalize_properties

    desired = build_properties(SubscriptionOptions(endpoint=URL, labels=("b", "a"), delivery_attributes=(
        DeliveryAttribute("x-key", "Static", value="s3cret", is_secret=True),)), build_filter(), now=NOW)
    stored = {"topic": WS.lower(), "provisioningState": "Succeeded", **normalize_properties(desired, now=NOW)}
    doc = {"id": WS + "/providers/Microsoft.EventGrid/eventSubscriptions/s", "name": "s",
           "type": "Microsoft.EventGrid/eventSubscriptions", "properties": stored}
    current = views.event_subscription(doc)["properties"]
    result = diff(desired, current, current_full_url=URL, current_secrets={"x-key": "s3cret"})
    assert (result.changes, result.unverified) == ([], [])
