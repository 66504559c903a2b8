"""Event subscription CRUD on the workspace scope through the real SDK, with LRO completion."""

from __future__ import annotations

import time

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.eventgrid.models import (
    EventSubscriptionFilter,
    EventSubscriptionUpdateParameters,
    StringInAdvancedFilter,
)
from emulator_support import (
    HOOK,
    RG,
    SCOPE,
    WS,
    create,
    list_names,
    local,
    raw,
    webhook_body,
    webhook_subscription,
)

from amlevents.emulator.eventgrid.validation import DEFAULT_EVENT_TYPES


def test_create_returns_the_stored_subscription_with_server_defaults(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    sub = create(client, "runs", labels=["amlevents"])
    assert sub.provisioning_state == "Succeeded"
    assert sub.id == f"{SCOPE}/providers/Microsoft.EventGrid/eventSubscriptions/runs"
    assert sub.type == "Microsoft.EventGrid/eventSubscriptions"
    assert sub.topic == SCOPE.split('/providers/')[0] + '/providers/' + SCOPE.split('/providers/')[1].lower()
    assert sub.filter.included_event_types == list(DEFAULT_EVENT_TYPES)
    assert (sub.filter.subject_begins_with, sub.filter.subject_ends_with) == ("", "")
    assert sub.event_delivery_schema == "EventGridSchema"
    assert (sub.retry_policy.max_delivery_attempts, sub.retry_policy.event_time_to_live_in_minutes) == (30, 1440)
    assert sub.labels == ["amlevents"]
    assert sub.system_data.created_by == "owner@amlevents.local"


def test_put_answers_201_creating_with_an_absolute_async_operation_url(emulator):
    response = raw(emulator, "PUT", f"{SCOPE}/providers/Microsoft.EventGrid/eventSubscriptions/runs",
                   body=webhook_body())
    assert response.status_code == 201
    assert response.json()["properties"]["provisioningState"] == "Creating"
    status_url = response.headers["Azure-AsyncOperation"]
    assert status_url.startswith(f"{emulator.url}/subscriptions/{emulator.subscription_id}/providers/"
                                 "Microsoft.EventGrid/locations/eastus/operationsStatus/")
    assert "Retry-After" not in response.headers and "Location" not in response.headers
    again = raw(emulator, "PUT", f"{SCOPE}/providers/Microsoft.EventGrid/eventSubscriptions/RUNS",
                body=webhook_body())
    assert again.json()["properties"]["provisioningState"] == "Updating"


def test_get_update_and_delete(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    create(client, "runs")
    update = EventSubscriptionUpdateParameters(filter=EventSubscriptionFilter(
        included_event_types=["Microsoft.MachineLearningServices.RunCompleted"],
        advanced_filters=[StringInAdvancedFilter(key="data.runTags.env", values=["prod"])]))
    updated = client.event_subscriptions.begin_update(SCOPE, "runs", update).result()
    assert updated.filter.included_event_types == ["Microsoft.MachineLearningServices.RunCompleted"]
    assert client.event_subscriptions.get(SCOPE, "runs").filter.advanced_filters[0].values == ["prod"]
    client.event_subscriptions.begin_delete(SCOPE, "runs").result()
    with pytest.raises(ResourceNotFoundError, match="ResourceNotFound"):
        client.event_subscriptions.get(SCOPE, "runs")


def test_patch_replaces_given_fields_whole_and_keeps_the_rest(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    create(client, "runs", labels=["a"], filter=EventSubscriptionFilter(subject_begins_with="experiments/"))
    patched = client.event_subscriptions.begin_update(
        SCOPE, "runs", EventSubscriptionUpdateParameters(labels=["b"])).result()
    assert patched.labels == ["b"]
    assert patched.filter.subject_begins_with == "experiments/"
    patched = client.event_subscriptions.begin_update(SCOPE, "runs", EventSubscriptionUpdateParameters(
        filter=EventSubscriptionFilter(subject_ends_with=".json"))).result()
    assert (patched.filter.subject_begins_with, patched.filter.subject_ends_with) == ("", ".json")


def test_patch_to_identity_delivery_nulls_the_destination(emulator):
    path = f"{SCOPE}/providers/Microsoft.EventGrid/eventSubscriptions/runs"
    raw(emulator, "PUT", path, body=webhook_body())
    hub = ("/subscriptions/x/resourceGroups/r/providers/Microsoft.EventHub/namespaces/n/eventhubs/h")
    response = raw(emulator, "PATCH", path, body={"deliveryWithResourceIdentity": {
        "identity": {"type": "SystemAssigned"},
        "destination": {"endpointType": "EventHub", "properties": {"resourceId": hub}}}})
    assert response.status_code == 201
    props = response.json()["properties"]
    assert props["destination"] is None and props["provisioningState"] == "Updating"
    assert props["deliveryWithResourceIdentity"]["destination"]["properties"]["resourceId"] == hub


def test_delete_answers_202_with_location_then_204_when_gone(emulator):
    path = f"{SCOPE}/providers/Microsoft.EventGrid/eventSubscriptions/runs"
    raw(emulator, "PUT", path, body=webhook_body())
    response = raw(emulator, "DELETE", path)
    assert response.status_code == 202 and response.content == b""
    assert "/operationResults/" in response.headers["Location"]
    assert "/operationsStatus/" in response.headers["Azure-AsyncOperation"]
    assert raw(emulator, "DELETE", path).status_code == 204


def test_provisioning_delay_keeps_the_operation_in_progress(emulator, eventgrid_client):
    emulator.backend.provisioning_delay = 0.4
    ops = eventgrid_client(emulator).event_subscriptions
    started = time.monotonic()
    # The 201 body, as the poller's initial response: polling=False hands it back deserialized.
    assert ops.begin_create_or_update(SCOPE, "slow", webhook_subscription(), polling=False).result(
        ).provisioning_state == "Creating"
    seen = []
    poller = ops.begin_create_or_update(SCOPE, "slow-2", webhook_subscription(),
                                        raw_response_hook=lambda r: seen.append(r.http_response.status_code))
    assert ops.get(SCOPE, "slow-2").provisioning_state == "Creating"
    assert poller.result().provisioning_state == "Succeeded"
    assert time.monotonic() - started >= 0.4 and seen[0] == 201 and len(seen) > 2


def test_operation_status_and_results_follow_the_delay(emulator):
    emulator.backend.provisioning_delay = 0.3
    path = f"{SCOPE}/providers/Microsoft.EventGrid/eventSubscriptions/runs"
    raw(emulator, "PUT", path, body=webhook_body())
    time.sleep(0.35)
    deleted = raw(emulator, "DELETE", path)
    status_url, result_url = deleted.headers["Azure-AsyncOperation"], deleted.headers["Location"]
    assert raw(emulator, "GET", local(emulator, status_url)).json()["status"] == "InProgress"
    assert raw(emulator, "GET", local(emulator, result_url)).status_code == 202
    time.sleep(0.35)
    assert raw(emulator, "GET", local(emulator, status_url)).json()["status"] == "Succeeded"
    finished = raw(emulator, "GET", local(emulator, result_url))
    assert (finished.status_code, finished.content) == (200, b"")  # as Azure answers it (PowerShell's recording)
    assert raw(emulator, "GET", path).status_code == 404


def test_a_second_write_while_creating_conflicts(emulator):
    emulator.backend.provisioning_delay = 5
    path = f"{SCOPE}/providers/Microsoft.EventGrid/eventSubscriptions/runs"
    raw(emulator, "PUT", path, body=webhook_body())
    response = raw(emulator, "PATCH", path, body={"labels": ["x"]})
    assert response.status_code == 409 and response.json()["error"]["code"] == "Conflict"


def test_list_by_resource(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    for name in ("b-sub", "a-sub"):
        create(client, name)
    assert list_names(client) == ["a-sub", "b-sub"]
    assert list_names(client, "local-workspace-2") == []


def test_paths_are_case_insensitive_and_tolerate_double_slashes(emulator):
    raw(emulator, "PUT", f"{SCOPE}/providers/Microsoft.EventGrid/eventSubscriptions/runs", body=webhook_body())
    odd = (f"/subscriptions/{emulator.subscription_id}/resourcegroups/{RG.upper()}//providers/"
           f"microsoft.machinelearningservices/WORKSPACES/{WS}/providers/microsoft.eventgrid/eventsubscriptions/RUNS/")
    response = raw(emulator, "GET", odd)
    assert response.status_code == 200
    assert response.json()["id"] == f"{SCOPE}/providers/Microsoft.EventGrid/eventSubscriptions/runs"


def test_webhook_url_reads_back_as_base_url(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    create(client, "runs")
    destination = client.event_subscriptions.get(SCOPE, "runs").destination
    assert destination.endpoint_url is None
    assert destination.endpoint_base_url == HOOK.split("?")[0]
