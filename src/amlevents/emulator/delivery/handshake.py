"""The validation handshake as the service performs it on a webhook (reference/webhooks.md §1-2, §8), on top of
``core.delivery.handshake`` (the rules both sides share). Not wired into subscription create/update here: the
caller decides when to run it and turns the outcome into the subscription's provisioning state.

- Event Grid schema: POST ``[SubscriptionValidationEvent]`` with ``aeg-event-type: SubscriptionValidation``.
  A 200 echoing ``{"validationResponse": code}`` -> ``Succeeded``; any other 200 (no or another code) ->
  ``AwaitingManualAction`` (the endpoint may still GET the ``validationUrl``); anything else -> ``Failed``. A
  failed attempt is retried once after 5 s (scaled), as the service does.
- CloudEvents 1.0: ``OPTIONS`` with ``WebHook-Request-Origin: eventgrid.azure.net``; a 2xx with
  ``WebHook-Allowed-Origin`` naming that origin or ``*`` -> ``Succeeded``, else ``Failed``.

Failure messages are the service's newer wording, with the URL's query string redacted.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus

from amlevents.core.delivery import handshake as rules
from amlevents.core.delivery.schema import is_cloudevents
from amlevents.core.redact import redact_url
from amlevents.emulator.delivery.clock import Clock
from amlevents.emulator.delivery.transport import Answer, Sender
from amlevents.emulator.eventgrid.views import base_url

SUCCEEDED, AWAITING, FAILED = "Succeeded", "AwaitingManualAction", "Failed"
RETRY_AFTER = 5.0  # emulated seconds before the one retry of a failed attempt
HELP_EVENTGRID = "https://aka.ms/esvalidation"
HELP_CLOUDEVENTS = "https://aka.ms/esvalidationcloudevent"


@dataclass(frozen=True)
class HandshakeOutcome:
    """How the handshake ended: ``state`` (Succeeded, AwaitingManualAction, Failed), the service's ``message``
    for a failure, the last HTTP ``status`` (None without an answer), and the validation code sent."""

    state: str
    message: str | None
    status: int | None
    code: str | None = None


def status_word(status: int | None) -> str:
    """A status as the service's messages name it (.NET's ``HttpStatusCode`` names): ``NotFound``,
    ``InternalServerError``, ``Accepted``; ``Unknown`` without an answer or for a code without a name."""
    try:
        return "Unknown" if status is None else HTTPStatus(status).phrase.replace(" ", "").replace("-", "")
    except ValueError:
        return str(status)


def _failure(url: str, method: str, answer: Answer, help_url: str) -> str:
    word = status_word(answer.status)
    return (f"Webhook validation handshake failed for {redact_url(base_url(url))}. Http {method} request failed "
            f"with response code {word}. For troublehooting, visit {help_url}.")


def perform_handshake(url: str, schema: str | None, subscription_name: str, topic: str, *, sender: Sender,
                      clock: Clock | None = None, validation_url: str | None = None,
                      code: str | None = None, retries: int = 1) -> HandshakeOutcome:
    """Validate the webhook ``url`` for the subscription ``subscription_name`` on ``topic``; never raises."""
    clock = clock or Clock()
    timeout = clock.timeout(rules.VALIDATION_TIMEOUT_SECONDS)
    if is_cloudevents(schema):
        return _options(url, sender, timeout)
    code = code or str(uuid.uuid4())
    event = rules.validation_event(code=code, url=validation_url, topic=topic, now=datetime.now(timezone.utc))
    body = json.dumps([event]).encode()
    answer = Answer(None)
    for attempt in range(retries + 1):
        if attempt:
            threading.Event().wait(clock.real(RETRY_AFTER))
        answer = sender.request("POST", url, body, rules.validation_headers(subscription_name), timeout,
                                keep_body=True)
        if answer.status == 200:
            echoed = rules.read_validation_response(answer.body, answer.status)
            state = SUCCEEDED if echoed == code else AWAITING
            return HandshakeOutcome(state, None, 200, code)
    return HandshakeOutcome(FAILED, _failure(url, "POST", answer, HELP_EVENTGRID), answer.status, code)


def _options(url: str, sender: Sender, timeout: float) -> HandshakeOutcome:
    answer = sender.request("OPTIONS", url, None, rules.options_request_headers(), timeout)
    if answer.status is not None and rules.options_consent(answer.status, answer.headers):
        return HandshakeOutcome(SUCCEEDED, None, answer.status)
    return HandshakeOutcome(FAILED, _failure(url, "OPTIONS", answer, HELP_CLOUDEVENTS), answer.status)
