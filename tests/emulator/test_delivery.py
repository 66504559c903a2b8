"""End to end over real HTTPS: publish on the emulator, delivery to a test receiver, as Event Grid delivers."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from delivery_support import FAST, compressed, publish, receivers, settled, subscribe
from emulator_support import SCOPE

from amlevents.core.filters import evaluate, filter_from_document
from amlevents.core.samples import sample_event
from amlevents.emulator.identity.auth import decode_claims


@pytest.fixture
def fast(emulator):
    yield from compressed(emulator)


@pytest.fixture
def receiver(fast):
    yield from receivers(fast)

def test_matched_subscription_receives_the_event_and_the_other_not(fast, receiver):
    hook = receiver()
    subscribe(fast, "models", hook.url, filter={"includedEventTypes": [
        "Microsoft.MachineLearningServices.ModelRegistered"]})
    subscribe(fast, "runs", hook.url, filter={"includedEventTypes": [
        "Microsoft.MachineLearningServices.RunCompleted"]})
    answer = publish(fast, type="ModelRegistered")
    records = {r["subscription"]: r for r in settled(fast, answer.json()["publishId"])}
    assert (records["models"]["outcome"], records["runs"]["outcome"]) == ("delivered", "notMatched")
    assert records["runs"]["failedChecks"][0]["check"] == "includedEventTypes"
    [got] = hook.wait_for(1)
    assert got.json()[0]["eventType"] == "Microsoft.MachineLearningServices.ModelRegistered"


@pytest.mark.parametrize("advanced", [
    {"operatorType": "StringIn", "key": "data.ModelName", "values": ["sklearn_regression_model"]},
    {"operatorType": "StringIn", "key": "data.ModelName", "values": ["churn"]},
    {"operatorType": "NumberGreaterThan", "key": "data.ModelVersion", "value": 50},
])
def test_match_is_decided_as_events_test_decides(fast, receiver, advanced):
    subscribe(fast, "tagged", receiver().url, filter={"advancedFilters": [advanced]})
    answer = publish(fast, type="ModelRegistered").json()
    [record] = settled(fast, answer["publishId"])
    sample = {**sample_event("ModelRegistered", casing="live"), "topic": answer["workspace"]}
    verdict = evaluate(filter_from_document({"advancedFilters": [advanced]}), sample)
    assert record["matched"] is verdict.delivered
    assert record["outcome"] == ("delivered" if verdict.delivered else "notMatched")
    assert record["failedChecks"] == [{"check": c.check, "reason": c.reason} for c in verdict.checks if not c.passed]


def test_event_grid_schema_body_and_headers(fast, receiver):
    hook = receiver()
    subscribe(fast, "egschema", hook.url)
    settled(fast, publish(fast, type="RunCompleted").json()["publishId"])
    [got] = hook.wait_for(1)
    [event] = got.json()
    assert event["topic"] == SCOPE and event["eventType"].endswith("RunCompleted")
    assert got.headers["content-type"] == "application/json; charset=utf-8"
    assert {k: got.headers[k] for k in ("aeg-event-type", "aeg-subscription-name", "aeg-delivery-count",
                                        "aeg-metadata-version", "aeg-data-version")} == {
        "aeg-event-type": "Notification", "aeg-subscription-name": "egschema", "aeg-delivery-count": "0",
        "aeg-metadata-version": "1", "aeg-data-version": "1"}


def test_cloudevents_schema_is_structured_cloudevents(fast, receiver):
    hook = receiver()
    subscribe(fast, "cloud", hook.url, eventDeliverySchema="CloudEventSchemaV1_0")
    settled(fast, publish(fast, type="ModelDeployed").json()["publishId"])
    [got] = hook.wait_for(1)
    [event] = got.json()
    assert got.headers["content-type"] == "application/cloudevents+json; charset=utf-8"
    assert (event["specversion"], event["type"], event["source"]) == (
        "1.0", "Microsoft.MachineLearningServices.ModelDeployed", SCOPE)
    assert "eventType" not in event and got.headers["aeg-metadata-version"] == "1.0"


def test_events_are_batched_by_max_events_per_batch(fast, receiver):
    hook = receiver()
    subscribe(fast, "batched", hook.url, destination={"maxEventsPerBatch": 2})
    events = [{"eventType": "Microsoft.MachineLearningServices.ModelRegistered", "subject": f"models/m:{i}",
               "data": {"modelName": "m", "modelVersion": i}} for i in range(3)]
    records = settled(fast, publish(fast, events=events).json()["publishId"])
    assert [r["outcome"] for r in records] == ["delivered"] * 3
    sizes = sorted(len(r.json()) for r in hook.wait_for(2))
    assert sizes == [1, 2]


def test_delivery_attribute_headers_static_dynamic_and_secret(fast, receiver):
    hook = receiver()
    subscribe(fast, "attrs", hook.url, destination={"deliveryAttributeMappings": [
        {"name": "x-static", "type": "Static", "properties": {"value": "plain", "isSecret": False}},
        {"name": "x-secret", "type": "Static", "properties": {"value": "hush-hush-123", "isSecret": True}},
        {"name": "x-model", "type": "Dynamic", "properties": {"sourceField": "data.modelName"}}]})
    settled(fast, publish(fast, type="ModelRegistered", set=["data.modelName=churn"]).json()["publishId"])
    [got] = hook.wait_for(1)
    assert (got.headers["x-static"], got.headers["x-secret"], got.headers["x-model"]) == (
        "plain", "hush-hush-123", "churn")
    log = requests.get(f"{fast.url}/_emulator/deliveries", verify=fast.ca_cert_path).text
    assert "hush-hush-123" not in log


def test_entra_webhook_gets_a_bearer_token_for_its_application(fast, receiver):
    hook = receiver()
    subscribe(fast, "entra", hook.url, destination={
        "azureActiveDirectoryTenantId": fast.tenant_id,
        "azureActiveDirectoryApplicationIdOrUri": "api://my-handler"})
    settled(fast, publish(fast, type="ModelRegistered").json()["publishId"])
    [got] = hook.wait_for(1)
    scheme, _, token = got.headers["authorization"].partition(" ")
    claims = decode_claims(token)
    assert (scheme, claims["aud"], claims["tid"]) == ("Bearer", "api://my-handler", fast.tenant_id)


def test_webhook_without_entra_settings_gets_no_token(fast, receiver):
    hook = receiver()
    subscribe(fast, "plain", hook.url)
    settled(fast, publish(fast, type="ModelRegistered").json()["publishId"])
    assert "authorization" not in hook.wait_for(1)[0].headers


def test_delivery_files_default_to_a_temporary_directory(fast):
    config = requests.get(f"{fast.url}/_emulator/config", verify=fast.ca_cert_path).json()
    assert Path(config["deadLetterDir"]).parent == Path(config["spoolDir"]).parent
    assert config["timeScale"] == FAST
