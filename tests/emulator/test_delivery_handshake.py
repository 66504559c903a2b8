"""The validation handshake the emulator performs on a webhook (``emulator/delivery/handshake.py``), against a
real HTTPS receiver: synchronous echo, manual (200 without the code), failures worded as the service words them,
and the CloudEvents OPTIONS consent."""

from __future__ import annotations

import pytest
from delivery_support import Receiver, compressed, receivers

from amlevents.emulator.delivery.clock import Clock
from amlevents.emulator.delivery.handshake import (
    AWAITING,
    FAILED,
    SUCCEEDED,
    perform_handshake,
)
from amlevents.emulator.delivery.transport import Sender

TOPIC = "/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w"


@pytest.fixture
def fast(emulator):
    yield from compressed(emulator)


@pytest.fixture
def receiver(fast):
    for make in receivers(fast):  # receivers that answer as each test says, the handshake included
        yield lambda _make=make, **kwargs: _make(validates=False, **kwargs)


@pytest.fixture
def shake(fast):
    sender = Sender(fast.ca_cert_path)

    def run(url: str, schema: str | None = None, **kwargs):
        return perform_handshake(url, schema, "my-sub", TOPIC, sender=sender, clock=Clock(0.001), **kwargs)

    yield run
    sender.close()


def test_synchronous_echo_succeeds(receiver, shake):
    hook: Receiver = receiver(behave="echo")
    outcome = shake(hook.url, validation_url="https://127.0.0.1/validate?token=t")
    [got] = hook.wait_for(1)
    assert (outcome.state, outcome.status) == (SUCCEEDED, 200)
    assert got.headers["aeg-event-type"] == "SubscriptionValidation"
    assert got.json()[0]["data"] == {"validationCode": outcome.code, "validationUrl":
                                     "https://127.0.0.1/validate?token=t"}


def test_200_without_the_code_awaits_manual_validation(receiver, shake):
    assert shake(receiver().url).state == AWAITING


@pytest.mark.parametrize("statuses,behave,word", [([404], "normal", "NotFound"), ([202], "echo", "Accepted"),
                                                  ([500], "normal", "InternalServerError")])
def test_failures_are_retried_once_then_failed_with_the_service_message(receiver, shake, statuses, behave, word):
    hook = receiver(statuses=statuses, behave=behave)
    outcome = shake(hook.url + "?code=k3y")
    assert len(hook.wait_for(2)) == 2
    assert outcome.state == FAILED
    assert outcome.message == (f"Webhook validation handshake failed for {hook.url}. Http POST request failed with "
                               f"response code {word}. For troublehooting, visit https://aka.ms/esvalidation.")


def test_a_hanging_endpoint_fails_as_unknown(receiver, shake):
    outcome = shake(receiver(behave="hang").url, retries=0)
    assert (outcome.state, outcome.status) == (FAILED, None)
    assert "response code Unknown" in outcome.message


def test_cloudevents_options_consent_succeeds(receiver, shake):
    hook = receiver(behave="consent")
    outcome = shake(hook.url, "CloudEventSchemaV1_0")
    [got] = hook.wait_for(1)
    assert (got.method, got.headers["webhook-request-origin"], outcome.state) == (
        "OPTIONS", "eventgrid.azure.net", SUCCEEDED)


def test_cloudevents_without_consent_fails(receiver, shake):
    outcome = shake(receiver(statuses=[405]).url, "CloudEventSchemaV1_0")
    assert outcome.state == FAILED and "Http OPTIONS request failed with response code MethodNotAllowed" in outcome.message
