"""Destinations outside HTTP land in a local spool (one JSONL file per destination resource id); an Azure Function
can be routed to a local URL; and the publish endpoint's bounds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from delivery_support import Receiver, compressed, publish, settled, subscribe_to

from amlevents.emulator.delivery.files import spool_name

RG = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlevents-local/providers"
HUB = f"{RG}/Microsoft.EventHub/namespaces/ns1/eventhubs/hub1"
FUNCTION = f"{RG}/Microsoft.Web/sites/app1/functions/OnModel"


@pytest.fixture
def fast(emulator):
    yield from compressed(emulator)

def _spool_lines(fast, resource_id: str) -> list[dict]:
    path = fast.delivery.spool_dir / spool_name(resource_id)
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("endpoint_type,resource_id", [
    ("EventHub", HUB),
    ("ServiceBusQueue", f"{RG}/Microsoft.ServiceBus/namespaces/sb1/queues/q1"),
    ("ServiceBusTopic", f"{RG}/Microsoft.ServiceBus/namespaces/sb1/topics/t1"),
    ("HybridConnection", f"{RG}/Microsoft.Relay/namespaces/r1/hybridConnections/h1"),
])
def test_non_webhook_destinations_are_spooled(fast, endpoint_type, resource_id):
    subscribe_to(fast, "spooled", {"endpointType": endpoint_type, "properties": {"resourceId": resource_id}})
    [record] = settled(fast, publish(fast, type="ModelRegistered").json()["publishId"])
    [line] = _spool_lines(fast, resource_id)
    assert (record["outcome"], Path(record["spoolFile"]).name) == ("spooled", spool_name(resource_id))
    assert (line["endpointType"], line["event"]["eventType"]) == (
        endpoint_type, "Microsoft.MachineLearningServices.ModelRegistered")


def test_storage_queue_spool_is_per_queue(fast):
    account = f"{RG}/Microsoft.Storage/storageAccounts/acct1"
    subscribe_to(fast, "queued", {"endpointType": "StorageQueue", "properties": {"resourceId": account,
                                                                                  "queueName": "jobs"}})
    settled(fast, publish(fast, type="RunCompleted").json()["publishId"])
    assert _spool_lines(fast, f"{account}/queueServices/default/queues/jobs")[0]["subscription"] == "queued"


def test_spool_keeps_attributes_but_not_secret_values(fast):
    subscribe_to(fast, "hubattrs", {"endpointType": "EventHub", "properties": {"resourceId": HUB,
                 "deliveryAttributeMappings": [
                     {"name": "k", "type": "Static", "properties": {"value": "hub-s3cret", "isSecret": True}},
                     {"name": "model", "type": "Dynamic", "properties": {"sourceField": "data.modelName"}}]}})
    settled(fast, publish(fast, type="ModelRegistered").json()["publishId"])
    [line] = _spool_lines(fast, HUB)
    assert line["properties"] == {"k": "REDACTED", "model": "sklearn_regression_model"}
    assert "hub-s3cret" not in (fast.delivery.spool_dir / spool_name(HUB)).read_text()


def test_azure_function_unrouted_is_spooled(fast):
    subscribe_to(fast, "function", {"endpointType": "AzureFunction", "properties": {"resourceId": FUNCTION}})
    [record] = settled(fast, publish(fast, type="ModelRegistered").json()["publishId"])
    assert record["outcome"] == "spooled"


def test_azure_function_routed_to_a_local_url(fast):
    handler = Receiver(fast)
    try:
        fast.delivery.function_routes[FUNCTION.lower()] = handler.url
        subscribe_to(fast, "function", {"endpointType": "AzureFunction", "properties": {"resourceId": FUNCTION}})
        [record] = settled(fast, publish(fast, type="ModelRegistered").json()["publishId"])
        [got] = handler.wait_for(1)
    finally:
        handler.close()
    assert record["outcome"] == "delivered" and got.headers["aeg-subscription-name"] == "function"


@pytest.mark.parametrize("body,message", [
    ({"events": []}, "non-empty array"),
    ({"events": [{"subject": "x"}]}, "eventType"),
    ({"type": "NoSuchEvent"}, "NoSuchEvent"),
    ({"workspace": "nowhere", "type": "ModelRegistered"}, "no seeded workspace 'nowhere'"),
    ({"events": [{"eventType": "T", "subject": "s", "data": "x" * (1024 * 1024)}]}, "1 MB"),
])
def test_bad_publish_is_400_in_arm_format(fast, body, message):
    answer = publish(fast, **body)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "InvalidRequest" and message in answer.json()["error"]["message"]


def test_time_scale_is_part_of_the_config(fast):
    url = f"{fast.url}/_emulator/config"
    assert requests.put(url, json={"timeScale": 0.5}, verify=fast.ca_cert_path).json()["timeScale"] == 0.5
    assert requests.put(url, json={"timeScale": 0}, verify=fast.ca_cert_path).status_code == 400
