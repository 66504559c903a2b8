"""The manifest: loads to the same properties the CLI flags build, refuses bad files at file:line:column,
expands ${VAR}, publishes its JSON Schema, and round-trips deployed subscriptions through dump_manifest."""

from __future__ import annotations

import copy
import pathlib
from datetime import datetime, timezone
from typing import Any

import jsonschema
import pytest
from campaigns import examples
from hypothesis import example as hypothesis_example
from hypothesis import given, settings
from hypothesis import strategies as st
from ids import SUBSCRIPTION_ID as SUB
from ids import providers

from amlevents.core.errors import FilterSyntaxError, InvalidInputError
from amlevents.core.filters.shortcuts import AmlShortcuts
from amlevents.core.manifest.read import (
    ManifestError,
    dump_manifest,
    load_manifest,
    parse_manifest,
    read_yaml,
)
from amlevents.core.manifest.schema import manifest_schema
from amlevents.core.plan.steps import normalize
from amlevents.core.subscription.delivery_attributes import DeliveryAttribute
from amlevents.core.subscription.filter_flags import FilterFlags, new_filter
from amlevents.core.subscription.options import SubscriptionOptions
from amlevents.core.subscription.properties import build_properties, writable_properties
from amlevents.core.workspace import WorkspaceRef

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "manifest.yaml"
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
HOOK = "https://hooks.example.com/api/aml?code=s3cr3t"
ENV = {"HOOK_URL": HOOK, "API_KEY": "k3y-value"}
PROVIDERS = providers("ml-prod")
TYPES = "Microsoft.MachineLearningServices."
RETRY_10_120 = {"maxDeliveryAttempts": 10, "eventTimeToLiveInMinutes": 120}


def load(text: str, env: dict[str, str] | None = None) -> Any:
    return parse_manifest(text, source="m.yaml", env=ENV if env is None else env, now=NOW)


def one(subscription: str, *, defaults: str = "", workspace: str = "") -> Any:
    """The single DesiredSubscription of a one-workspace manifest (``subscription`` is indented YAML)."""
    text = f"version: 1\n{defaults}workspaces:\n  - name: ws\n{workspace}    subscriptions:\n{subscription}"
    return load(text).workspaces[0].subscriptions[0]


def error(text: str, env: dict[str, str] | None = None) -> ManifestError:
    with pytest.raises(ManifestError) as caught:
        load(text, env)
    return caught.value


def example_subscriptions() -> dict[str, Any]:
    manifest = load_manifest(str(EXAMPLE), env=ENV, now=NOW)
    return {s.name: s for w in manifest.workspaces for s in w.subscriptions}


# --- the example ----------------------------------------------------------------------------------------------


def test_example_churn_models_properties() -> None:
    assert example_subscriptions()["churn-models"].properties == {
        "destination": {"endpointType": "WebHook", "properties": {
            "endpointUrl": HOOK, "maxEventsPerBatch": 10, "preferredBatchSizeInKilobytes": 64,
            "deliveryAttributeMappings": [
                {"name": "X-Api-Key", "type": "Static", "properties": {"value": "k3y-value", "isSecret": True}},
                {"name": "X-Model", "type": "Dynamic", "properties": {"sourceField": "data.ModelName"}},
            ]}},
        "filter": {
            "includedEventTypes": [TYPES + "ModelRegistered"], "subjectBeginsWith": "models/churn:",
            "isSubjectCaseSensitive": False,
            "advancedFilters": [
                {"operatorType": "NumberGreaterThanOrEquals", "key": "data.ModelVersion", "value": 2.0},
                {"operatorType": "StringIn", "key": "data.ModelTags.stage", "values": ["production"]},
            ]},
        "labels": ["managed-by-amlevents"],
        "retryPolicy": RETRY_10_120,
    }


def test_example_failed_runs_properties() -> None:
    assert example_subscriptions()["failed-runs"].properties == {
        "destination": {"endpointType": "ServiceBusQueue", "properties": {
            "resourceId": PROVIDERS + "Microsoft.ServiceBus/namespaces/ml-events/queues/failed-runs"}},
        "filter": {
            "includedEventTypes": [TYPES + "RunStatusChanged"], "isSubjectCaseSensitive": False,
            "advancedFilters": [
                {"operatorType": "StringIn", "key": "data.experimentName", "values": ["nightly-training"]},
                {"operatorType": "StringIn", "key": "data.runStatus", "values": ["Failed", "Canceled"]},
            ]},
        "labels": ["managed-by-amlevents", "on-call"],
        "retryPolicy": {"maxDeliveryAttempts": 30, "eventTimeToLiveInMinutes": 120},
        "deadLetterDestination": {"endpointType": "StorageBlob", "properties": {
            "resourceId": PROVIDERS + "Microsoft.Storage/storageAccounts/mlprodevents",
            "blobContainerName": "deadletters"}},
    }


def test_example_model_audit_is_what_the_cli_flags_build() -> None:
    flags = FilterFlags(event_types=["ModelRegistered", "ModelDeployed"],
                        advanced_filters=["data.ModelTags.stage StringNotIn scratch test"])
    options = SubscriptionOptions(
        endpoint=PROVIDERS + "Microsoft.EventHub/namespaces/ml-events/eventhubs/model-audit",
        endpoint_type="eventhub", delivery_identity="systemassigned", delivery_schema="cloudeventschemav1_0",
        max_delivery_attempts=10, event_ttl_minutes=120, labels=("managed-by-amlevents",))
    desired = example_subscriptions()["model-audit"]
    assert desired.properties == build_properties(options, new_filter(flags), now=NOW)
    assert desired.options == options
    assert desired.system_topic is True


def test_example_churn_models_filter_is_what_the_shortcut_flags_build() -> None:
    flags = FilterFlags(advanced_filters=["data.ModelVersion NumberGreaterThanOrEquals 2"],
                        shortcuts=AmlShortcuts(model_name="churn", model_tags=(("stage", "production"),)))
    assert example_subscriptions()["churn-models"].event_filter == new_filter(flags)


AZURE_NAMES = {"PROD_WORKSPACE": "ml-prod-ws", "PROD_RESOURCE_GROUP": "ml-prod", "DEV_WORKSPACE": "ml-dev-ws",
               "DEV_RESOURCE_GROUP": "ml-dev"}


@pytest.mark.parametrize("names, expected", [
    ({}, [("local-workspace", "amlevents-local"), ("local-workspace-2", "amlevents-local")]),
    (AZURE_NAMES, [("ml-prod-ws", "ml-prod"), ("ml-dev-ws", "ml-dev")]),
], ids=["local-emulator-defaults", "from-the-environment"])
def test_example_workspaces_come_from_variables_with_local_defaults(names: dict[str, str],
                                                                     expected: list[tuple[str, str]]) -> None:
    manifest = load_manifest(str(EXAMPLE), env={**ENV, **names}, now=NOW)
    assert [w.ref_args for w in manifest.workspaces] == [
        {"workspace": name, "resource_group": group, "subscription": None, "workspace_id": None}
        for name, group in expected]


def test_example_secrets_are_the_expanded_values() -> None:
    assert load_manifest(str(EXAMPLE), env=ENV, now=NOW).secrets == {HOOK, "k3y-value"}


def test_example_locations_point_at_each_subscription() -> None:
    assert example_subscriptions()["failed-runs"].location == (42, 9)


# --- the schema -------------------------------------------------------------------------------------------------


def test_schema_is_valid_draft_2020_12_with_an_id() -> None:
    schema = manifest_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema" and schema["$id"]


def test_schema_accepts_the_example() -> None:
    jsonschema.validate(read_yaml(EXAMPLE.read_text()), manifest_schema(), cls=jsonschema.Draft202012Validator)


def _properties(schema: Any) -> list[tuple[str, Any]]:
    found = []
    if isinstance(schema, dict):
        for name, prop in (schema.get("properties") or {}).items():
            found.append((name, prop))
        for value in schema.values():
            found += _properties(value)
    elif isinstance(schema, list):
        for value in schema:
            found += _properties(value)
    return found


def test_every_schema_property_has_a_title_and_description() -> None:
    schema = manifest_schema()
    for name, prop in _properties(schema):
        if "$ref" in prop:
            prop = schema["$defs"][prop["$ref"].rsplit("/", 1)[1]]
        assert prop.get("title") and prop.get("description"), name


@pytest.mark.parametrize("path, values", [
    (("destination", "endpointType"), {"webhook", "eventhub", "storagequeue", "hybridconnection"}),
    (("deliverySchema",), {"eventgridschema", "cloudeventschemav1_0", "custominputschema"}),
    (("destination", "identity", "type"), {"systemassigned", "userassigned"}),
])
def test_schema_enums_carry_the_az_names(path: tuple[str, ...], values: set[str]) -> None:
    schema = manifest_schema()
    node = schema["$defs"]["subscription"]
    for key in path:
        node = node["properties"][key]
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node
    assert values <= set(node["enum"])


def test_schema_lists_every_operator() -> None:
    assert len(manifest_schema()["$defs"]["advancedFilter"]["properties"]["operatorType"]["enum"]) == 19


# --- defaults -------------------------------------------------------------------------------------------------

HOOK_SUB = "      - name: abc\n        destination: {endpoint: https://h.example.com}\n"
HUB = PROVIDERS + "Microsoft.EventHub/namespaces/ns/eventhubs/hub"
TO_HUB = f"        destination: {{endpointType: eventhub, endpoint: {HUB}}}\n"
UAI = PROVIDERS + "Microsoft.ManagedIdentity/userAssignedIdentities/uai"


@pytest.mark.parametrize("defaults, own, field, expected", [
    ("retry: {maxDeliveryAttempts: 10}", "        retry: {maxDeliveryAttempts: 5}\n",
     "retryPolicy", {"maxDeliveryAttempts": 5, "eventTimeToLiveInMinutes": 1440}),
    ("retry: {maxDeliveryAttempts: 10}", "        retry: {eventTtlMinutes: 60}\n",
     "retryPolicy", {"maxDeliveryAttempts": 10, "eventTimeToLiveInMinutes": 60}),
    ("labels: [a, b]", "        labels: [c]\n", "labels", ["c"]),
    ("labels: [a, b]", "", "labels", ["a", "b"]),
    ("destination: {maxEventsPerBatch: 10}", "", "destination", {"endpointType": "WebHook", "properties": {
        "endpointUrl": "https://h.example.com", "maxEventsPerBatch": 10, "preferredBatchSizeInKilobytes": 64}}),
], ids=["own-key-wins", "maps-merge", "lists-replace", "inherited", "destination-merges"])
def test_defaults_merge(defaults: str, own: str, field: str, expected: Any) -> None:
    sub = one(HOOK_SUB + own, defaults=f"defaults:\n  {defaults}\n")
    assert sub.properties[field] == expected


def test_a_destination_of_another_endpoint_type_replaces_the_default_one() -> None:
    sub = one("      - name: abc\n" + TO_HUB, defaults="defaults:\n  destination: {maxEventsPerBatch: 10}\n")
    assert sub.properties["destination"] == {"endpointType": "EventHub", "properties": {"resourceId": HUB}}


def test_an_identity_is_replaced_whole() -> None:
    defaults = ("defaults:\n  destination:\n    endpointType: eventhub\n"
                f"    identity: {{type: userassigned, userAssignedIdentity: {UAI}}}\n")
    own = f"      - name: abc\n        destination: {{endpoint: {HUB}, identity: {{type: systemassigned}}}}\n"
    sub = one(own, defaults=defaults)
    assert sub.properties["deliveryWithResourceIdentity"]["identity"] == {"type": "SystemAssigned"}


@pytest.mark.parametrize("workspace, own, expected", [
    ("", "", False),
    ("    systemTopic: true\n", "", True),
    ("    systemTopic: true\n", "        systemTopic: false\n", False),
    ("", "        systemTopic: ws-events\n", "ws-events"),
])
def test_system_topic_comes_from_the_subscription_then_its_workspace(workspace: str, own: str, expected: Any) -> None:
    assert one(HOOK_SUB + own, workspace=workspace).system_topic == expected


# --- ${VAR} -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("label, expected", [
    ("${A}", "1st"),
    ("x-${A}-${B}", "x-1st-2nd"),
    ("$${A}", "${A}"),
    ("$$${A}", "$${A}"),  # a $ before an escape is literal: only $${ is special
    ("cost $5", "cost $5"),
])
def test_variables_expand_and_double_dollar_escapes(label: str, expected: str) -> None:
    manifest = parse_manifest(f"version: 1\nworkspaces:\n  - name: ws\n    subscriptions:\n{HOOK_SUB}"
                              f"        labels: ['{label}']\n", env={"A": "1st", "B": "2nd"}, now=NOW)
    assert manifest.workspaces[0].subscriptions[0].properties["labels"] == [expected]


def test_secrets_hold_what_the_references_brought_in() -> None:
    manifest = parse_manifest(f"version: 1\nworkspaces:\n  - name: ws\n    subscriptions:\n{HOOK_SUB}"
                              "        labels: ['${A}', '$${B}']\n", env={"A": "1st", "B": "2nd"}, now=NOW)
    assert manifest.secrets == {"1st"}


def test_a_secret_in_a_core_message_is_shown_as_its_reference() -> None:
    text = "version: 1\nworkspaces:\n  - name: ws\n    subscriptions:\n      - name: abc\n" \
           "        destination: {endpoint: 'http://h.example.com/?code=${KEY}'}\n"
    err = error(text, {"KEY": "very-secret"})
    assert "very-secret" not in str(err) and "code=${KEY}" in str(err)


# --- YAML 1.2 scalars, as editors read them ------------------------------------------------------------------


@pytest.mark.parametrize("yaml_text, value", [
    ("yes", "yes"), ("on", "on"), ("2027-01-01", "2027-01-01"), ("1:20", "1:20"), ("0o17", 15), ("0x1F", 31),
    ("true", True), ("1.5", 1.5), ("~", None), ("'3'", "3"), ("!!str 3", "3"), ("1e3", 1000.0),
])
def test_scalars_follow_yaml_1_2(yaml_text: str, value: Any) -> None:
    assert read_yaml(f"v: {yaml_text}\n") == {"v": value}


def test_unquoted_tls_version_model_version_and_tags_are_accepted() -> None:
    sub = one("      - name: abc\n        shortcuts: {modelName: m, modelVersion: 3, modelTags: {stage: on, n: 2}}\n"
              "        destination: {endpoint: https://h.example.com, minTlsVersion: 1.2}\n"
              "        expiration: 2030-01-01\n")
    assert sub.properties["filter"]["subjectEndsWith"] == ":3"
    assert sub.properties["filter"]["advancedFilters"][0]["values"] == ["on"]
    assert sub.properties["destination"]["properties"]["minimumTlsVersionAllowed"] == "1.2"
    assert sub.properties["expirationTimeUtc"] == "2030-01-01T00:00:00Z"


def test_structured_delivery_attributes_build_the_mappings() -> None:
    sub = one("      - name: abc\n        destination:\n          endpoint: https://h.example.com\n"
              "          deliveryAttributes:\n            - {name: k, type: Static, value: v}\n"
              "            - {name: r, type: dynamic, sourceField: data.runId}\n")
    assert sub.options.delivery_attributes == (DeliveryAttribute("k", "Static", value="v"),
                                                DeliveryAttribute("r", "Dynamic", source_field="data.runId"))


# --- bad manifests: a located error, nothing built --------------------------------------------------------------

HEAD = "version: 1\nworkspaces:\n  - name: ws\n    subscriptions:\n      - name: abc\n"
DEST = "        destination: {endpoint: https://h.example.com}\n"


BAD = [
    # YAML itself
    (HEAD + "        labels: [a, b\n", 7, 1, "invalid YAML: expected ',' or ']'"),
    (HEAD + "        name: again\n", 6, 9, "name: duplicate key 'name' (first given on line 5)"),
    ("version: 1\nversion: 1\nworkspaces: [{name: ws, subscriptions: []}]\n", 2, 1, "version: duplicate key 'version'"),
    (HEAD + DEST + "        labels: !!set {a}\n", 7, 17, "the YAML tag !!set is not supported"),
    ("", 1, 1, "the manifest is empty"),
    # wrong types
    ("- a\n", 1, 1, "expected a mapping, got a list"),
    (HEAD + DEST + "        retry: {maxDeliveryAttempts: '3'}\n", 7, 38, 'expected an integer, got "3"'),
    (HEAD + DEST + "        labels: a\n", 7, 17, "labels: expected a list, got \"a\""),
    (HEAD + DEST + "        subjectCaseSensitive: yes\n", 7, 31, 'expected true or false, got "yes"'),
    (HEAD + DEST + "        advancedFilters: [5]\n", 7, 27, "expected a string or a mapping, got 5"),
    # unknown keys, at several depths
    ("version: 1\nworkspace: []\n", 2, 1, "workspace: unknown key 'workspace'"),
    (HEAD + DEST + "        eventTyps: [ModelRegistered]\n", 7, 9, "eventTyps: unknown key 'eventTyps'"),
    (HEAD + "        destination: {endpoint: https://h.example.com, batch: 2}\n", 6, 56, "unknown key 'batch'"),
    (HEAD + DEST + "        advancedFilters: [{operatorType: IsNotNull, key: k, valu: 1}]\n", 7, 61,
     "unknown key 'valu'"),
    # values out of range, enums, missing keys
    (HEAD + "        destination: {endpoint: https://h.example.com, maxEventsPerBatch: 0}\n", 6, 75,
     "destination.maxEventsPerBatch: 0 is less than the minimum of 1"),
    (HEAD + "        destination: {endpoint: https://h.example.com, endpointType: eventhubb}\n", 6, 70,
     '"eventhubb" is not one of webhook, azurefunction'),
    ("version: 1\nworkspaces:\n  - name: ws\n    subscriptions:\n      - labels: [a]\n", 5, 9,
     "subscriptions[0]: missing required key 'name'"),
    # filters
    (HEAD + DEST + "        advancedFilters:\n          - data.x StringInn a\n", 8, 20, "unknown operator 'StringInn'"),
    (HEAD + DEST + "        advancedFilters: ['data.x NumberIn 1 b']\n", 7, 46, "NumberIn takes numbers, not 'b'"),
    (HEAD + DEST + "        advancedFilters:\n          - {operatorType: NumberIn, key: k, values: [a]}\n", 8, 54,
     "values: NumberIn values[0] must be a number, got 'a'"),
    (HEAD + DEST + "        advancedFilters: [{operatorType: BoolEquals, key: k}]\n", 7, 27,
     "BoolEquals needs 'value'"),
    (HEAD + DEST + "        eventTypes: [ModelRegisterd]\n", 7, 22, "unknown Azure ML event type 'ModelRegisterd'"),
    # option rules of `subscription create`, at the key they are about
    (HEAD + "        destination: {endpoint: https://h.example.com, storageQueueMessageTtlSeconds: 10}\n", 6, 87,
     "storageQueueMessageTtlSeconds: applies only to endpoint types StorageQueue, not WebHook"),
    (HEAD + "        labels: [a]\n", 5, 9, "destination.endpoint is required to create a subscription"),
    (HEAD + DEST + "        expiration: 2020-01-01\n", 7, 21, "expiration: 2020-01-01T00:00:00Z is not in the future"),
    (HEAD + DEST + "        eventTypes: [RunCompleted]\n        shortcuts: {modelName: churn}\n", 7, 21,
     "eventTypes RunCompleted cannot match shortcuts.modelName churn"),
    (HEAD + "        destination: {endpoint: https://h.example.com, deliveryAttributes: [{name: X, type: dynamic,"
     " value: v}]}\n", 6, 77, "dynamic delivery attribute 'X' needs a source field and no value"),
    ("version: 1\ndefaults:\n  destination: {aadTenantId: t}\nworkspaces:\n  - name: ws\n    subscriptions:\n"
     "      - name: abc\n" + DEST, 3, 30, "defaults.destination.aadTenantId: destination.aadTenantId and "
     "destination.aadAppIdOrUri go together (in workspaces[0].subscriptions[0])"),
    (HEAD + DEST + "        advancedFilters: [" + ", ".join(f"'data.k{i} IsNotNull'" for i in range(26)) + "]\n",
     7, 26, "26 advanced filters exceed the Event Grid limit of 25"),
    # names and workspaces
    (HEAD.replace("abc", "a b") + DEST, 5, 15, "'a b' is not a valid event subscription name"),
    (HEAD + DEST + "      - name: ABC\n" + DEST, 7, 15,
     "duplicate subscription name 'ABC' in this workspace (first on line 5)"),
    ("version: 1\nworkspaces:\n  - {name: ws, subscriptions: []}\n  - {name: WS, subscriptions: []}\n", 4, 5,
     "workspaces[1]: this workspace is already listed (line 3)"),
    ("version: 1\nworkspaces:\n  - {resourceGroup: rg, subscriptions: []}\n", 3, 5,
     "a workspace needs 'name' (with resourceGroup) or 'id'"),
    ("version: 1\nworkspaces:\n  - {id: /bad, subscriptions: []}\n", 3, 10,
     "workspaces[0].id: '/bad' is not an Azure ML workspace resource id"),
    (HEAD + DEST + "        systemTopic: a\n      - name: other\n" + DEST + "        systemTopic: b\n", 10, 22,
     "system topic 'b' differs from 'a' (line 7)"),
    # environment variables
    (HEAD + "        destination: {endpoint: 'https://h.example.com/?code=${NOPE}'}\n", 6, 62,
     "destination.endpoint: environment variable NOPE is not set"),
    (HEAD + DEST + "        labels: ['${A-B}']\n", 7, 19, "'${A-B}' is not a variable reference"),
    (HEAD + DEST + "        labels: ['x${A']\n", 7, 20, "unterminated ${"),
]


@pytest.mark.parametrize("text, line, column, message", BAD, ids=[message[:48] for *_, message in BAD])
def test_bad_manifest_is_a_located_error(text: str, line: int, column: int, message: str) -> None:
    err = error(text)
    assert (err.line, err.column) == (line, column), str(err)
    assert message in str(err)
    assert str(err).startswith(f"m.yaml:{line}:{column}: ")


def test_a_message_names_file_line_column_path_and_problem() -> None:
    err = error(HEAD + "        destination: {endpoint: https://h.example.com, maxEventsPerBatch: 0}\n")
    assert str(err) == ("m.yaml:6:75: workspaces[0].subscriptions[0].destination.maxEventsPerBatch: "
                        "0 is less than the minimum of 1")
    assert err.path == ("workspaces", 0, "subscriptions", 0, "destination", "maxEventsPerBatch")
    assert err.source == "m.yaml" and err.exit_code == 2


def test_an_unknown_key_suggests_the_close_one() -> None:
    err = error(HEAD + DEST + "        eventTyps: [ModelRegistered]\n")
    assert str(err) == "m.yaml:7:9: workspaces[0].subscriptions[0].eventTyps: unknown key 'eventTyps'"
    assert err.hint.startswith("Did you mean 'eventTypes'? Allowed here: name, eventTypes, ")


def test_a_missing_variable_names_it_and_how_to_escape() -> None:
    err = error(HEAD + "        destination: {endpoint: '${HOOK}'}\n", env={})
    assert str(err) == ("m.yaml:6:34: workspaces[0].subscriptions[0].destination.endpoint: "
                        "environment variable HOOK is not set")
    assert err.hint == "Set HOOK, e.g. export HOOK=..., or write $${ for a literal ${."


def test_a_filter_syntax_error_keeps_its_caret_rendering() -> None:
    err = error(HEAD + DEST + "        advancedFilters:\n          - data.x StringInn a\n")
    assert isinstance(err, FilterSyntaxError) and isinstance(err, ManifestError)
    assert str(err) == "m.yaml:8:20: workspaces[0].subscriptions[0].advancedFilters[0]: unknown operator 'StringInn'"
    assert err.render() == "  data.x StringInn a\n         ^^^^^^^^^"
    assert err.hint.startswith("Did you mean StringIn?")


def test_a_yaml_syntax_error_names_its_line() -> None:
    err = error(HEAD + "        labels: [a, b\n")
    assert str(err) == ("m.yaml:7:1: invalid YAML: expected ',' or ']', but got '<stream end>' "
                        "(while parsing a flow sequence that starts on line 6)")


def test_the_first_schema_error_in_file_order_is_reported() -> None:
    err = error(HEAD + "        labels: 1\n        retry: {maxDeliveryAttempts: 0}\n" + DEST + "extra: 1\n")
    assert (err.line, err.column) == (6, 17)


def test_an_alias_bomb_stops_at_the_expansion_limit() -> None:
    text = "a: &a [x, x, x, x]\n" + "".join(f"{b}: &{b} [" + ", ".join([f"*{a}"] * 4) + "]\n"
                                           for a, b in zip("abcde", "bcdef"))
    with pytest.raises(ManifestError, match="the manifest expands to more than 100,000 values") as caught:
        read_yaml(text + "g: [" + ", ".join(["*f"] * 99) + "]\n", source="m.yaml")
    assert caught.value.path[0] == "g" and "aliases" in caught.value.hint


@pytest.mark.parametrize("text, line, column, message", [
    ("v: " + "[" * 101 + "]" * 101 + "\n", 1, 103, "nested more than 100 levels deep"),
    ("v: " + "1" * 4301 + "\n", 1, 4, "an integer of more than 4300 digits is not supported"),
    ("v: -.inf\n", 1, 4, "'-.inf' is not a finite number"),
], ids=["101 levels", "4301 digits", "-.inf"])
def test_yaml_beyond_a_limit_is_a_located_error(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(ManifestError, match=message) as caught:
        read_yaml(text, source="m.yaml")
    assert (caught.value.line, caught.value.column) == (line, column)


def test_yaml_at_the_limits_is_read() -> None:
    # the top-level mapping is the first of the 100 levels
    assert read_yaml("v: " + "[" * 99 + "]" * 99 + "\nn: " + "9" * 4300 + "\n")["n"] == int("9" * 4300)


@pytest.mark.parametrize("text", ["1" * 5000, "0x" + "f" * 4000, "1e999", ".nan"])
def test_dump_quotes_numbers_a_reader_would_refuse(text: str) -> None:
    properties = build_properties(SubscriptionOptions(endpoint="https://h.example.com", labels=(text,)),
                                  new_filter(FilterFlags()), now=NOW)
    loaded, _ = round_trip([as_get("sub-1", properties)])
    assert loaded.workspaces[0].subscriptions[0].properties["labels"] == [text]


def test_an_unreadable_file_is_invalid_input(tmp_path: pathlib.Path) -> None:
    with pytest.raises(InvalidInputError, match="cannot read manifest"):
        load_manifest(str(tmp_path / "missing.yaml"))


# --- export: dump -> load round trip --------------------------------------------------------------------------

WORKSPACE = WorkspaceRef(SUB, "ml-prod", "ml-prod-ws")
ALL_TYPES = [TYPES + t for t in ("ModelRegistered", "ModelDeployed", "RunCompleted", "DatasetDriftDetected",
                                 "RunStatusChanged")]
CONTAINER = PROVIDERS + "Microsoft.Storage/storageAccounts/sa/blobServices/default/containers/dead"
DESTINATIONS = {
    "webhook": dict(endpoint="https://h.example.com/api/hook?code=abc%2F123&clientId=default",
                    max_events_per_batch=10, preferred_batch_size_kb=128, aad_tenant_id="tenant",
                    aad_app_id_or_uri="api://app", min_tls_version="1.2",
                    delivery_attributes=(DeliveryAttribute("X-Key", "Static", value="s3cret", is_secret=True),
                                         DeliveryAttribute("X-Env", "Static", value="prod"),
                                         DeliveryAttribute("X-Run", "Dynamic", source_field="data.runId"))),
    "webhook-plain": dict(endpoint="https://h.example.com/api/hook"),
    "function": dict(endpoint_type="azurefunction", endpoint=PROVIDERS + "Microsoft.Web/sites/app/functions/fn",
                     max_events_per_batch=5),
    "eventhub": dict(endpoint_type="eventhub", endpoint=HUB, delivery_identity="systemassigned",
                     delivery_schema="cloudeventschemav1_0"),
    "sb-queue": dict(endpoint_type="servicebusqueue", endpoint=PROVIDERS + "Microsoft.ServiceBus/namespaces/n/queues/q",
                     deadletter_endpoint=CONTAINER, deadletter_identity="userassigned",
                     deadletter_identity_user_id=UAI),
    "sb-topic": dict(endpoint_type="servicebustopic", endpoint=PROVIDERS + "Microsoft.ServiceBus/namespaces/n/topics/t",
                     delivery_identity="userassigned", delivery_identity_user_id=UAI,
                     delivery_attributes=(DeliveryAttribute("h", "Dynamic", source_field="subject"),)),
    "storage-queue": dict(endpoint_type="storagequeue", storage_queue_ttl_seconds=-1,
                          endpoint=PROVIDERS + "Microsoft.Storage/storageAccounts/sa/queueServices/default/queues/q"),
    "relay": dict(endpoint_type="hybridconnection", deadletter_endpoint=CONTAINER, labels=("a", "b"),
                  endpoint=PROVIDERS + "Microsoft.Relay/namespaces/n/hybridConnections/h", expiration="2031-05-01",
                  max_delivery_attempts=5, event_ttl_minutes=60),
}
FILTERS = {
    "none": FilterFlags(),
    "subjects": FilterFlags(event_types=["ModelRegistered"], subject_begins_with="models/churn:",
                            subject_ends_with=":3", subject_case_sensitive=True),
    "operators": FilterFlags(enable_arrays=True, advanced_filters=[
        "data.v NumberGreaterThan 2.5", "data.ok BoolEquals true", "data.n NumberIn 1 2 3",
        "data.s StringIn 'a b' 1e3 yes '${X}'", "data.r NumberInRange 1,10 20,30", "data.gone IsNullOrUndefined",
        "data.t StringNotContains x"]),
    "shortcuts": FilterFlags(shortcuts=AmlShortcuts(experiment_id="e1", run_statuses=("Failed",))),
}
WIRE_ONLY = {"operatorType": "StringIn", "key": "data.a b", "values": ["x"]}  # a key with a space has no text form


def as_get(name: str, properties: dict[str, Any], *, topic: str | None = None) -> dict[str, Any]:
    """What GET returns after create (the full webhook URL and secret values fetched as export does)."""
    props = copy.deepcopy(properties)
    destination = props.get("destination") or props["deliveryWithResourceIdentity"]["destination"]
    if destination["endpointType"] == "WebHook":
        destination["properties"]["endpointBaseUrl"] = destination["properties"]["endpointUrl"].split("?")[0]
    props["filter"].setdefault("includedEventTypes", ALL_TYPES)
    props.setdefault("labels", None)
    props.update(provisioningState="Succeeded", topic=WORKSPACE.id)
    if topic:  # system topics live in the resource group
        parent = f"/subscriptions/{SUB}/resourceGroups/ml-prod/providers/Microsoft.EventGrid/systemTopics/{topic}"
    else:
        parent = WORKSPACE.id + "/providers/Microsoft.EventGrid"
    kind = "systemTopics/eventSubscriptions" if topic else "eventSubscriptions"
    return {"id": f"{parent}/eventSubscriptions/{name}", "name": name, "type": f"Microsoft.EventGrid/{kind}",
            "properties": props}


def round_trip(resources: list[dict[str, Any]]) -> tuple[Any, dict[str, str]]:
    text, variables = dump_manifest([(WORKSPACE, resources)])
    return parse_manifest(text, env=variables, now=NOW), variables


@pytest.mark.parametrize("destination", DESTINATIONS)
@pytest.mark.parametrize("filter_kind", FILTERS)
def test_dump_then_load_gives_the_exported_properties(destination: str, filter_kind: str) -> None:
    properties = build_properties(SubscriptionOptions(**DESTINATIONS[destination]), new_filter(FILTERS[filter_kind]),
                                  now=NOW)
    resource = as_get("sub-1", properties)
    loaded, _ = round_trip([resource])
    assert normalize(loaded.workspaces[0].subscriptions[0].properties) == normalize(
        writable_properties(resource["properties"]))


def test_dump_writes_a_filter_without_a_text_form_as_the_arm_object() -> None:
    properties = build_properties(SubscriptionOptions(endpoint="https://h.example.com"), new_filter(FilterFlags()),
                                  now=NOW)
    properties["filter"]["advancedFilters"] = [WIRE_ONLY]
    text, _ = dump_manifest([(WORKSPACE, [as_get("sub-1", properties)])])
    assert "operatorType: StringIn" in text
    loaded, _ = round_trip([as_get("sub-1", properties)])
    assert loaded.workspaces[0].subscriptions[0].properties["filter"]["advancedFilters"] == [WIRE_ONLY]


def test_dump_omits_server_defaults() -> None:
    properties = build_properties(SubscriptionOptions(endpoint="https://h.example.com"), new_filter(FilterFlags()),
                                  now=NOW)
    text, variables = dump_manifest([(WORKSPACE, [as_get("plain", properties)])])
    assert text == (
        "version: 1\nworkspaces:\n  - name: ml-prod-ws\n    resourceGroup: ml-prod\n"
        f"    subscriptionId: {SUB}\n    subscriptions:\n      - name: plain\n        destination:\n"
        "          endpointType: webhook\n          endpoint: https://h.example.com\n")
    assert variables == {}


def test_dump_moves_query_values_and_secret_attributes_into_variables() -> None:
    properties = build_properties(SubscriptionOptions(**DESTINATIONS["webhook"]), new_filter(FilterFlags()), now=NOW)
    text, variables = dump_manifest([(WORKSPACE, [as_get("churn-prod", properties)])])
    assert ("endpoint: https://h.example.com/api/hook?code=${AMLEVENTS_CHURN_PROD_CODE}"
            "&clientId=${AMLEVENTS_CHURN_PROD_CLIENTID}") in text
    assert variables == {"AMLEVENTS_CHURN_PROD_CODE": "abc%2F123", "AMLEVENTS_CHURN_PROD_CLIENTID": "default",
                         "AMLEVENTS_CHURN_PROD_X_KEY": "s3cret"}
    assert "s3cret" not in text and "abc%2F123" not in text


def test_dump_names_the_system_topic() -> None:
    properties = build_properties(SubscriptionOptions(**DESTINATIONS["eventhub"]), new_filter(FilterFlags()), now=NOW)
    loaded, _ = round_trip([as_get("to-hub", properties, topic="ws-events")])
    assert loaded.workspaces[0].subscriptions[0].system_topic == "ws-events"


def test_dump_numbers_variables_that_would_collide() -> None:
    first = build_properties(SubscriptionOptions(endpoint="https://h.example.com/?code=1"), new_filter(FilterFlags()),
                             now=NOW)
    second = build_properties(SubscriptionOptions(endpoint="https://h.example.com/?code=2"), new_filter(FilterFlags()),
                              now=NOW)
    _, variables = dump_manifest([(WORKSPACE, [as_get("a-b", first)]),
                                  ({"workspace": "other", "resource_group": "rg"}, [as_get("a-b", second)])])
    assert variables == {"AMLEVENTS_A_B_CODE": "1", "AMLEVENTS_A_B_CODE_2": "2"}


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)


@settings(max_examples=examples(150), deadline=None)
@given(label=_TEXT, subject=_TEXT)
@hypothesis_example(label="${HOME}", subject="$${x} $$${ ${")
@hypothesis_example(label="yes", subject="1e3")
def test_any_text_survives_dump_and_load(label: str, subject: str) -> None:
    properties = build_properties(SubscriptionOptions(endpoint="https://h.example.com", labels=(label,)),
                                  new_filter(FilterFlags(subject_begins_with=subject)), now=NOW)
    loaded, _ = round_trip([as_get("sub-1", properties)])
    props = loaded.workspaces[0].subscriptions[0].properties
    assert (props["labels"], props["filter"]["subjectBeginsWith"]) == ([label], subject)
