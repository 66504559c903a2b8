"""Secrets behave as in Azure: hidden on reads, revealed only by getFullUrl and getDeliveryAttributes."""

from __future__ import annotations

from azure.mgmt.eventgrid.models import (
    DynamicDeliveryAttributeMapping,
    EventSubscription,
    StaticDeliveryAttributeMapping,
    WebHookEventSubscriptionDestination,
)
from emulator_support import EVENT_SUBS, HOOK, SCOPE, create, raw

MAPPINGS = [
    StaticDeliveryAttributeMapping(name="plain", value="v1", is_secret=False),
    StaticDeliveryAttributeMapping(name="token", value="t0ps3cret", is_secret=True),
    DynamicDeliveryAttributeMapping(name="run", source_field="data.runId"),
]


def with_mappings(client):
    destination = WebHookEventSubscriptionDestination(endpoint_url=HOOK, delivery_attribute_mappings=MAPPINGS)
    return client.event_subscriptions.begin_create_or_update(
        SCOPE, "runs", EventSubscription(destination=destination)).result()


def test_get_and_list_hide_the_endpoint_url(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    create(client, "runs")
    got = client.event_subscriptions.get(SCOPE, "runs").destination
    assert (got.endpoint_url, got.endpoint_base_url) == (None, "https://hooks.example.com/api/events")
    listed = raw(emulator, "GET", EVENT_SUBS).json()["value"][0]["properties"]["destination"]["properties"]
    assert listed["endpointUrl"] is None and "s3cret" not in str(listed)


def test_get_full_url_returns_the_whole_url(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    create(client, "runs")
    assert client.event_subscriptions.get_full_url(SCOPE, "runs").endpoint_url == HOOK


def test_get_full_url_needs_a_webhook(emulator):
    hub = "/subscriptions/s/resourceGroups/r/providers/Microsoft.EventHub/namespaces/n/eventhubs/h"
    raw(emulator, "PUT", f"{EVENT_SUBS}/hub", body={"properties": {"destination": {
        "endpointType": "EventHub", "properties": {"resourceId": hub}}}})
    response = raw(emulator, "POST", f"{EVENT_SUBS}/hub/getFullUrl")
    assert response.status_code == 400 and "WebHook" in response.json()["error"]["message"]


def test_secret_attributes_read_back_as_hidden(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    with_mappings(client)
    values = {m.name: getattr(m, "value", None)
              for m in client.event_subscriptions.get(SCOPE, "runs").destination.delivery_attribute_mappings}
    assert values == {"plain": "v1", "token": "Hidden", "run": None}


def test_get_delivery_attributes_returns_real_values(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    with_mappings(client)
    found = {m.name: m for m in client.event_subscriptions.get_delivery_attributes(SCOPE, "runs").value}
    assert found["token"].value == "t0ps3cret" and found["token"].is_secret is True
    assert found["run"].source_field == "data.runId"


def test_put_body_echoes_secrets_but_patch_body_hides_them(emulator):
    body = {"properties": {"destination": {"endpointType": "WebHook", "properties": {
        "endpointUrl": HOOK, "deliveryAttributeMappings": [
            {"name": "token", "type": "Static", "properties": {"value": "t0ps3cret", "isSecret": True}}]}}}}
    put = raw(emulator, "PUT", f"{EVENT_SUBS}/runs", body=body).json()
    patch = raw(emulator, "PATCH", f"{EVENT_SUBS}/runs", body={"destination": body["properties"]["destination"]}).json()
    assert (_secret_value(put), _secret_value(patch)) == ("t0ps3cret", "Hidden")
    assert put["properties"]["destination"]["properties"]["endpointUrl"] is None


def _secret_value(doc):
    return doc["properties"]["destination"]["properties"]["deliveryAttributeMappings"][0]["properties"]["value"]
