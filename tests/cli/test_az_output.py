"""az-compatible output: `-o json/yaml/tsv` of subscriptions in the shape az 2.91 prints, `--raw` for the REST shape.

The fixtures in fixtures/az_shapes/ are what az printed against the emulator (their `_note` and `command` say how);
the `--query` paths are the ones az's docs and scripts use for event subscriptions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jmespath
import pytest
import yaml

from amlevents.cli.output import OutputFormat, emit
from amlevents.core.azshape import az_shape

FIXTURES = Path(__file__).parent / "fixtures" / "az_shapes"
SHAPES = sorted(p.stem for p in FIXTURES.glob("*.json") if p.stem != "list")
DEVEXP = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/DevExpRg/providers/"
DLQ = DEVEXP + "Microsoft.Storage/storageAccounts/devexpstg/blobServices/default/containers/dlq"
QUEUE = DEVEXP + "Microsoft.Storage/storageAccounts/devexpstg/queueServices/default/queues/stogqueuedestination"
EVENT_HUB = DEVEXP + "Microsoft.EventHub/namespaces/devexpeh/eventhubs/eventhub1"
FUNCTION = DEVEXP + "Microsoft.Web/sites/eventgridclitestapp/functions/EventGridTrigger1"
SB_QUEUE = DEVEXP + "Microsoft.ServiceBus/namespaces/devexpservicebus/queues/devexpdestination"
ML = "Microsoft.MachineLearningServices."

# The same subscriptions the fixtures were captured from, created with the az option names amlevents accepts.
CREATE = {
    "webhook-full": ("--endpoint", "https://example.com/hook?code=SECRETCODE",
                     "--included-event-types", ML + "ModelRegistered", ML + "RunCompleted",
                     "--subject-begins-with", "models/churn", "--subject-ends-with", ".pkl",
                     "--advanced-filter", "data.ModelTags.stage", "StringIn", "prod", "staging",
                     "--advanced-filter", "data.RunStatus", "StringContains", "Compl",
                     "--deadletter-endpoint", DLQ, "--max-delivery-attempts", "10", "--event-ttl", "120",
                     "--labels", "team-a", "prod", "--expiration-date", "2030-01-01"),
    "sq-sub": ("--endpoint-type", "storagequeue", "--endpoint", QUEUE, "--storage-queue-msg-ttl", "120"),
    "eh-sub": ("--endpoint-type", "eventhub", "--endpoint", EVENT_HUB),
    "fn-sub": ("--endpoint-type", "azurefunction", "--endpoint", FUNCTION, "--max-events-per-batch", "10",
               "--preferred-batch-size-in-kilobytes", "128"),
    "sbq": ("--endpoint-type", "servicebusqueue", "--endpoint", SB_QUEUE),
}
AZ_QUERIES = ["provisioningState", "destination.endpointBaseUrl", "destination.endpointType",
              "filter.includedEventTypes", "filter.subjectBeginsWith", "filter.subjectEndsWith",
              "filter.advancedFilters[].key", "labels", "deadLetterDestination.blobContainerName",
              "deadLetterDestination.endpointType", "retryPolicy.maxDeliveryAttempts",
              "retryPolicy.eventTimeToLiveInMinutes", "eventDeliverySchema", "expirationTimeUtc", "resourceGroup",
              "name", "type"]
LIST_QUERIES = ["[].name", "[?provisioningState=='Succeeded'].name", "[].destination.endpointType",
                "[?destination.endpointType=='StorageQueue'].destination.queueName",
                "[].destination.resourceId"]


def fixture(stem: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{stem}.json").read_text())


def create(run: Any, name: str) -> None:
    run.ok("subscription", "create", "-n", name, *CREATE[name], "-o", "none")


@pytest.fixture
def az_created(run, cli_emulator):
    for name in CREATE:
        create(run, name)


def capture(capsys: Any, data: Any, fmt: OutputFormat) -> str:
    emit(data, fmt)
    return capsys.readouterr().out


@pytest.mark.parametrize("stem", SHAPES)
def test_az_shape_of_the_rest_json_is_what_az_prints(stem):
    doc = fixture(stem)
    assert json.dumps(az_shape(doc["rest"]), indent=2) == json.dumps(doc["az"], indent=2, sort_keys=True)


@pytest.mark.parametrize("stem", SHAPES)
def test_tsv_of_an_object_is_the_line_az_prints(stem, capsys):
    doc = fixture(stem)
    assert capture(capsys, doc["az"], OutputFormat.tsv) == doc["az_tsv"]


def test_tsv_of_a_list_is_the_lines_az_prints(capsys):
    doc = fixture("list")
    assert capture(capsys, doc["az"], OutputFormat.tsv) == doc["az_tsv"]


@pytest.mark.parametrize("query", AZ_QUERIES)
def test_az_query_paths_give_what_az_gives(run, az_created, query):
    expected = jmespath.search(query, fixture("webhook_full")["az"])
    assert expected is not None, "a path az answers"
    assert run.json("subscription", "show", "webhook-full", "--query", query) == expected


@pytest.mark.parametrize("query", LIST_QUERIES)
def test_az_list_query_paths_give_what_az_gives(run, az_created, query):
    assert run.json("subscription", "list", "--query", query) == jmespath.search(query, fixture("list")["az"])


def test_list_projection_tsv_rows_are_what_az_prints(run, az_created):
    doc = fixture("list")
    assert run.ok("subscription", "list", "--query", doc["query"], "-o", "tsv").stdout == doc["az_query_tsv"]


def test_show_tsv_is_the_line_az_prints(run, az_created):
    assert run.ok("subscription", "show", "webhook-full", "-o", "tsv").stdout == fixture("webhook_full")["az_tsv"]


def test_list_tsv_is_the_lines_az_prints(run, az_created):
    assert run.ok("subscription", "list", "-o", "tsv").stdout == fixture("list")["az_tsv"]


def test_show_json_matches_az_but_for_times(run, az_created):
    got, expected = run.json("subscription", "show", "webhook-full"), fixture("webhook_full")["az"]
    assert list(got) == list(expected)
    for data in (got, expected):
        data.pop("systemData")
    # (the destination's delivery attributes: az 2.91 sends `isSecret` true whatever it is given, see README)
    expected["destination"]["deliveryAttributeMappings"] = None
    assert got == expected


def test_show_timestamps_are_printed_as_az_prints_them(run, az_created):
    created = run.json("subscription", "show", "webhook-full", "--query", "systemData.createdAt")
    assert created.endswith("+00:00") and len(created.split(".")[-1]) == len("123456+00:00")


def test_raw_keeps_the_rest_shape(run, az_created):
    raw = run.json("--raw", "subscription", "show", "webhook-full")
    assert raw["properties"]["destination"]["properties"]["endpointBaseUrl"] == "https://example.com/hook"
    assert raw["properties"]["provisioningState"] == "Succeeded"
    assert raw["systemData"]["createdAt"].endswith("Z")
    assert "resourceGroup" not in raw


def test_raw_list_keeps_the_rest_shape(run, az_created):
    assert run.json("--raw", "subscription", "list", "--query", "[].properties.provisioningState") == \
        ["Succeeded"] * len(CREATE)


def test_create_prints_az_shape(run, cli_emulator):
    created = run.json("subscription", "create", "-n", "sq-sub", *CREATE["sq-sub"])
    assert created["destination"]["queueName"] == "stogqueuedestination"
    assert created["provisioningState"] == "Succeeded" and created["resourceGroup"] == "amlevents-local"


def test_update_prints_az_shape(run, az_created):
    updated = run.json("subscription", "update", "webhook-full", "--subject-begins-with", "models/other")
    assert updated["filter"]["subjectBeginsWith"] == "models/other"


def test_yaml_prints_az_shape(run, az_created):
    shown = yaml.safe_load(run.ok("subscription", "show", "sq-sub", "-o", "yaml").stdout)
    assert shown["destination"]["queueMessageTimeToLiveInSeconds"] == 120


def test_az_shape_shows_no_endpoint_url_by_default(run, az_created):
    assert run.json("subscription", "show", "webhook-full", "--query", "destination.endpointUrl") is None


SECRET_REST = {"id": "/subscriptions/s/resourceGroups/rg/providers/x/eventSubscriptions/e", "properties": {
    "destination": {"endpointType": "WebHook", "properties": {
        "endpointUrl": "https://example.com/hook?code=SECRETCODE",
        "deliveryAttributeMappings": [{"name": "Secret1", "type": "Static",
                                       "properties": {"value": "topsecret", "isSecret": True}}]}}}}


@pytest.mark.parametrize("order", ["redact, then reshape (as the CLI does)", "reshape, then redact"])
def test_az_shape_redacts_endpoint_url_and_secret_attribute_values(order):
    from amlevents.core.redact import redact_resource

    if order.startswith("redact"):
        shaped = az_shape(redact_resource(SECRET_REST))
    else:
        shaped = redact_resource(az_shape(SECRET_REST))
    assert shaped["destination"]["endpointUrl"] == "https://example.com/hook?code=REDACTED"
    assert shaped["destination"]["deliveryAttributeMappings"][0]["value"] == "REDACTED"
    assert "SECRETCODE" not in json.dumps(shaped) and "topsecret" not in json.dumps(shaped)


def test_create_output_in_az_shape_hides_secret_attribute_values(run, cli_emulator):
    created = run.json("subscription", "create", "-n", "hook-attrs", "--endpoint", "https://example.com/hook",
                       "--delivery-attribute-mapping", "Secret1", "static", "topsecret", "true")
    mapping = created["destination"]["deliveryAttributeMappings"][0]
    assert mapping["isSecret"] is True and mapping["name"] == "Secret1"
    assert "topsecret" not in json.dumps(created)


@pytest.mark.parametrize(("coloured", "plain"), [(OutputFormat.jsonc, OutputFormat.json),
                                                 (OutputFormat.yamlc, OutputFormat.yaml)])
def test_coloured_formats_are_plain_when_piped(capsys, coloured, plain):
    data = fixture("storage_queue")["az"]
    assert capture(capsys, data, coloured) == capture(capsys, data, plain)


@pytest.mark.parametrize(("data", "line"), [
    ({"b": 1, "a": None, "c": {"x": 1}, "d": [1, 2], "e": True}, "1\tNone\t\t2\tTrue\n"),
    ([["n", "Succeeded"], ["m", None]], "n\tSucceeded\nm\tNone\n"),
    (True, "true\n"),
    (None, ""),
    (["a", "b"], "a\nb\n"),
])
def test_tsv_follows_az_rules(capsys, data, line):
    assert capture(capsys, data, OutputFormat.tsv) == line
