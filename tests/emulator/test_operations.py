"""Operations that end Failed or wait for manual validation; the emulator never calls a webhook."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from emulator_support import EVENT_SUBS, SCOPE, create, local, raw, webhook_body

from amlevents.emulator.eventgrid import operations


def test_a_webhook_on_an_invalid_host_fails_validation(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    with pytest.raises(HttpResponseError):
        create(client, "runs", url="https://receiver.invalid/api/hook?code=x")
    assert client.event_subscriptions.get(SCOPE, "runs").provisioning_state == "Failed"


def test_the_failed_operation_carries_the_service_error(emulator):
    response = raw(emulator, "PUT", f"{EVENT_SUBS}/runs", body=webhook_body("https://receiver.invalid/api/hook?c=1"))
    status = raw(emulator, "GET", local(emulator, response.headers["Azure-AsyncOperation"])).json()
    assert status["status"] == "Failed"
    error = status["error"]
    assert (error["code"], error["message"]) == ("ResourceOperationFailure", operations.TERMINAL_FAILURE)
    (detail,) = error["details"]
    assert detail["code"] == "Url validation"
    assert detail["message"].startswith(
        "Webhook validation handshake failed for https://receiver.invalid/api/hook. Http POST request failed with "
        "response code Unknown. For troublehooting, visit https://aka.ms/esvalidation. Activity id:")


def test_a_manual_validation_host_waits_in_awaiting_manual_action(emulator):
    response = raw(emulator, "PUT", f"{EVENT_SUBS}/runs", body=webhook_body("https://hook.manual.invalid/x"))
    status = raw(emulator, "GET", local(emulator, response.headers["Azure-AsyncOperation"])).json()
    assert status["status"] == "AwaitingManualAction"
    got = raw(emulator, "GET", f"{EVENT_SUBS}/runs").json()
    assert got["properties"]["provisioningState"] == "AwaitingManualAction"
    assert raw(emulator, "DELETE", f"{EVENT_SUBS}/runs").status_code == 202


def test_manual_validation_fails_after_the_window(emulator):
    response = raw(emulator, "PUT", f"{EVENT_SUBS}/runs", body=webhook_body("https://hook.manual.invalid/x"))
    url = local(emulator, response.headers["Azure-AsyncOperation"])
    start = emulator.backend._clock
    emulator.backend._clock = lambda: start() + operations.MANUAL_VALIDATION_WINDOW + 1
    try:
        status = raw(emulator, "GET", url).json()
    finally:
        emulator.backend._clock = start
    assert status["status"] == "Failed"
    assert "manual validation window" in status["error"]["details"][0]["message"]


def test_a_patch_that_keeps_the_destination_is_not_validated_again(emulator):
    raw(emulator, "PUT", f"{EVENT_SUBS}/runs", body=webhook_body("https://receiver.invalid/x"))
    patched = raw(emulator, "PATCH", f"{EVENT_SUBS}/runs", body={"labels": ["x"]})
    status = raw(emulator, "GET", local(emulator, patched.headers["Azure-AsyncOperation"])).json()
    assert status["status"] == "Succeeded"


def test_unknown_operations_are_404(emulator):
    path = (f"/subscriptions/{emulator.subscription_id}/providers/Microsoft.EventGrid/locations/eastus/"
            "operationsStatus/00000000-0000-0000-0000-000000000000")
    assert raw(emulator, "GET", path).status_code == 404


def test_operations_can_be_polled_by_any_authenticated_caller(emulator):
    response = raw(emulator, "PUT", f"{EVENT_SUBS}/runs", body=webhook_body())
    status_path = local(emulator, response.headers["Azure-AsyncOperation"])
    assert raw(emulator, "GET", status_path, token="nobody").json()["status"] == "Succeeded"
    assert raw(emulator, "GET", status_path, token=None).status_code == 401
