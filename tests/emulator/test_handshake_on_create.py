"""The webhook validation handshake on create and on an endpoint change, as the service performs it
(reference/webhooks.md §1, §2, §7, §8), through the real SDK against the emulator, to handlers on this machine.

By default the emulator performs it for loopback endpoints only (a README example's https://example.com/hook
cannot answer); ``validateEndpoints`` and ``allowHttpLoopback`` steer it at run time.
"""

from __future__ import annotations

import json

import pytest
import requests
from delivery_support import WAIT, Receiver, compressed, provisioned, receivers
from emulator_support import EVENT_SUBS, SCOPE, raw, webhook_body

from amlevents.core.delivery import handshake


@pytest.fixture
def fast(emulator):
    yield from compressed(emulator)


@pytest.fixture
def handler(fast):
    for make in receivers(fast):  # handlers that answer the handshake exactly as each test says
        yield lambda _make=make, **kwargs: _make(validates=False, **kwargs)


def _create(emulator, client, name: str, url: str, **properties):
    """Start a create through the SDK and return its poller (the handshake runs while it is Creating)."""
    from azure.mgmt.eventgrid.models import (
        EventSubscription,
        WebHookEventSubscriptionDestination,
    )

    return client.event_subscriptions.begin_create_or_update(
        SCOPE, name, EventSubscription(destination=WebHookEventSubscriptionDestination(endpoint_url=url),
                                       **properties), polling_interval=0.01)


def _validation_event(receiver: Receiver) -> dict:
    [request] = receiver.wait_for(1)
    assert request.method == "POST" and request.headers["aeg-event-type"] == "SubscriptionValidation"
    [event] = json.loads(request.body)
    assert event["eventType"] == handshake.VALIDATION_EVENT_TYPE
    return event


def test_a_synchronous_echo_provisions_the_subscription(fast, eventgrid_client, handler):
    hook = handler(behave="echo")
    result = _create(fast, eventgrid_client(fast), "echoed", hook.url).result()
    assert result.provisioning_state == "Succeeded"
    event = _validation_event(hook)
    assert event["data"]["validationCode"] and event["topic"].lower().endswith("/workspaces/local-workspace")
    assert hook.received[0].headers["aeg-subscription-name"].lower() == "echoed"


def test_a_200_without_the_code_awaits_the_validation_url_which_then_provisions_it(fast, eventgrid_client, handler):
    hook = handler()  # answers 200 {} to everything: validates only manually
    _create(fast, eventgrid_client(fast), "manual", hook.url)
    validation_url = _validation_event(hook)["data"]["validationUrl"]
    assert provisioned(fast, "manual") == "AwaitingManualAction"
    assert validation_url.startswith(fast.url + "/_emulator/validate?")
    visited = requests.get(validation_url, verify=fast.ca_cert_path, timeout=WAIT)
    assert visited.status_code == 200, visited.text
    assert provisioned(fast, "manual") == "Succeeded"
    assert requests.get(validation_url, verify=fast.ca_cert_path, timeout=WAIT).status_code == 404  # used once


def test_an_unvisited_validation_url_fails_the_subscription_after_the_window(fast, eventgrid_client, handler):
    hook = handler()
    poller = _create(fast, eventgrid_client(fast), "forgotten", hook.url)
    _validation_event(hook)  # the 10-minute window is 0.6 s at the tests' time scale
    from azure.core.exceptions import HttpResponseError

    with pytest.raises(HttpResponseError, match="manual validation window"):
        poller.result()
    assert provisioned(fast, "forgotten") == "Failed"


@pytest.mark.parametrize(("status", "word"), [(404, "NotFound"), (202, "Accepted"), (500, "InternalServerError")])
def test_a_refused_handshake_fails_with_the_services_words(fast, eventgrid_client, handler, status, word):
    hook = handler(statuses=[status])
    from azure.core.exceptions import HttpResponseError

    with pytest.raises(HttpResponseError) as raised:
        _create(fast, eventgrid_client(fast), f"refused{status}", hook.url).result()
    assert f"Http POST request failed with response code {word}" in str(raised.value)
    assert len(hook.wait_for(2)) == 2  # one retry after 5 s (scaled), as the service does
    assert provisioned(fast, f"refused{status}") == "Failed"


def test_cloudevents_asks_consent_with_options(fast, eventgrid_client, handler):
    hook = handler(behave="consent")
    result = _create(fast, eventgrid_client(fast), "consented", hook.url,
                     event_delivery_schema="CloudEventSchemaV1_0").result()
    assert result.provisioning_state == "Succeeded"
    [request] = hook.wait_for(1)
    assert (request.method, request.headers["webhook-request-origin"]) == ("OPTIONS", "eventgrid.azure.net")


def test_cloudevents_without_consent_fails(fast, eventgrid_client, handler):
    hook = handler(statuses=[405])
    from azure.core.exceptions import HttpResponseError

    with pytest.raises(HttpResponseError, match="Http OPTIONS request failed with response code MethodNotAllowed"):
        _create(fast, eventgrid_client(fast), "refusing", hook.url,
                event_delivery_schema="CloudEventSchemaV1_0").result()


def test_only_a_changed_endpoint_is_validated_again(fast, eventgrid_client, handler):
    from azure.mgmt.eventgrid.models import (
        EventSubscriptionUpdateParameters,
        WebHookEventSubscriptionDestination,
    )

    client, first, second = eventgrid_client(fast), handler(behave="echo"), handler(behave="echo")
    _create(fast, client, "moving", first.url).result()
    client.event_subscriptions.begin_update(SCOPE, "moving", EventSubscriptionUpdateParameters(
        labels=["same-endpoint"]), polling_interval=0.01).result()
    client.event_subscriptions.begin_update(SCOPE, "moving", EventSubscriptionUpdateParameters(
        destination=WebHookEventSubscriptionDestination(endpoint_url=second.url)), polling_interval=0.01).result()
    assert (len(first.received), len(second.wait_for(1))) == (1, 1)


def test_endpoints_off_this_machine_are_accepted_without_a_handshake_by_default(fast, eventgrid_client):
    result = _create(fast, eventgrid_client(fast), "remote", "https://example.com/hook").result()
    assert result.provisioning_state == "Succeeded"


def test_validate_endpoints_none_accepts_a_loopback_endpoint_without_asking_it(fast, eventgrid_client, handler):
    hook = handler(statuses=[404])
    fast.backend.validate_endpoints = "none"
    try:
        assert _create(fast, eventgrid_client(fast), "unasked", hook.url).result().provisioning_state == "Succeeded"
    finally:
        fast.backend.validate_endpoints = "loopback"
    assert hook.received == []


def test_http_loopback_is_refused_as_azure_does_unless_allowed(fast, handler):
    url = handler(behave="echo").url.replace("https://", "http://")
    refused = raw(fast, "PUT", f"{EVENT_SUBS}/plain-http", body=webhook_body(url))
    assert refused.status_code == 400 and "https" in refused.text.lower()
    config = requests.put(f"{fast.url}/_emulator/config", json={"allowHttpLoopback": True},
                          verify=fast.ca_cert_path, timeout=WAIT)
    try:
        assert config.json()["allowHttpLoopback"] is True
        accepted = raw(fast, "PUT", f"{EVENT_SUBS}/plain-http", body=webhook_body(url))
        assert accepted.status_code == 201, accepted.text
        remote = raw(fast, "PUT", f"{EVENT_SUBS}/plain-remote", body=webhook_body("http://example.com/hook"))
        assert remote.status_code == 400  # only loopback hosts
    finally:
        requests.put(f"{fast.url}/_emulator/config", json={"allowHttpLoopback": False},
                     verify=fast.ca_cert_path, timeout=WAIT)
