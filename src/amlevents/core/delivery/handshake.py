"""The webhook validation handshakes, both sides: what Event Grid sends and what counts as consent.

Event Grid schema (reference/webhooks.md §1): a one-element array holding a ``SubscriptionValidationEvent``, sent
with ``aeg-event-type: SubscriptionValidation``; the endpoint completes it synchronously by answering **200** with
``{"validationResponse": code}`` (202 is not recognized). CloudEvents 1.0 (§2): an ``OPTIONS`` request carrying
``WebHook-Request-Origin``; the endpoint consents by answering ``WebHook-Allowed-Origin`` with that origin or
``*``. The emulator (sending side), the local receiver (answering side) and ``--check-endpoint`` (judging an
answer) all use these functions, so the three agree by construction. Pure: no I/O, the clock is handed in.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

VALIDATION_EVENT_TYPE = "Microsoft.EventGrid.SubscriptionValidationEvent"
VALIDATION_AEG_EVENT_TYPE = "SubscriptionValidation"  # the aeg-event-type header value of the handshake
NOTIFICATION_AEG_EVENT_TYPE = "Notification"
ORIGIN_HEADER = "WebHook-Request-Origin"
ALLOWED_ORIGIN_HEADER = "WebHook-Allowed-Origin"
ALLOWED_RATE_HEADER = "WebHook-Allowed-Rate"
EVENTGRID_ORIGIN = "eventgrid.azure.net"
VALIDATION_TIMEOUT_SECONDS = 30  # the service waits this long for the handshake answer
EVENTGRID_CONTENT_TYPE = "application/json; charset=utf-8"
RESPONSE_KEY = "validationResponse"


def _iso(now: datetime) -> str:
    """``now`` as Event Grid writes times: UTC, ISO 8601, ``Z`` suffix."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return now.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def validation_event(*, code: str, url: str | None, topic: str, now: datetime,
                     event_id: str | None = None) -> dict[str, Any]:
    """The ``SubscriptionValidationEvent`` (Event Grid schema) carrying ``code`` and, if given, ``url``.

    Send it as a one-element array: ``json.dumps([validation_event(...)])``. ``event_id`` defaults to a random
    UUID, as the service's ids are.
    """
    data: dict[str, Any] = {"validationCode": code}
    if url is not None:
        data["validationUrl"] = url
    return {
        "id": event_id or str(uuid.uuid4()),
        "topic": topic,
        "subject": "",
        "data": data,
        "eventType": VALIDATION_EVENT_TYPE,
        "eventTime": _iso(now),
        "metadataVersion": "1",
        "dataVersion": "1",
    }


def validation_headers(subscription_name: str) -> dict[str, str]:
    """The HTTP headers of the Event Grid schema handshake POST for the subscription ``subscription_name``."""
    return {
        "Content-Type": EVENTGRID_CONTENT_TYPE,
        "aeg-event-type": VALIDATION_AEG_EVENT_TYPE,
        "aeg-subscription-name": subscription_name,
        "aeg-delivery-count": "0",
        "aeg-metadata-version": "1",
        "aeg-data-version": "1",
    }


def validation_request(events: Any) -> tuple[str, str | None] | None:
    """``(code, url)`` when the parsed body ``events`` is a validation handshake, else ``None``.

    ``url`` is ``None`` when the event carries no ``validationUrl`` (API versions before 2018-05-01-preview).
    A single object (not an array) is accepted too, since a hand-written test request often sends one.
    """
    first = events[0] if isinstance(events, list) and events else events
    if not isinstance(first, Mapping) or first.get("eventType") != VALIDATION_EVENT_TYPE:
        return None
    data = first.get("data")
    if not isinstance(data, Mapping) or not isinstance(data.get("validationCode"), str):
        return None
    url = data.get("validationUrl")
    return data["validationCode"], url if isinstance(url, str) else None


def validation_response(code: str) -> dict[str, str]:
    """The body that completes the Event Grid schema handshake synchronously (sent with status 200)."""
    return {RESPONSE_KEY: code}


def read_validation_response(body: bytes, status: int) -> str | None:
    """The validation code the endpoint echoed in ``body``, or ``None`` when the answer does not count.

    Only a 200 counts: the service does not recognize 202 Accepted (nor any other 2xx). The body must be a JSON
    object with a string ``validationResponse``.
    """
    if status != 200:
        return None
    try:
        parsed = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(parsed, Mapping) or not isinstance(parsed.get(RESPONSE_KEY), str):
        return None
    return parsed[RESPONSE_KEY]


def options_request_headers(origin: str = EVENTGRID_ORIGIN) -> dict[str, str]:
    """The headers of the CloudEvents handshake ``OPTIONS`` request Event Grid sends."""
    return {ORIGIN_HEADER: origin}


def options_response_headers(origin: str | None) -> dict[str, str]:
    """The headers with which an endpoint consents to deliveries from ``origin`` (``*`` when none was sent)."""
    return {ALLOWED_ORIGIN_HEADER: origin or "*", ALLOWED_RATE_HEADER: "*", "Allow": "POST, OPTIONS"}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name``, looked up case-insensitively as HTTP requires."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def options_consent(status: int, headers: Mapping[str, str], origin: str = EVENTGRID_ORIGIN) -> bool:
    """Whether an ``OPTIONS`` answer consents: a 2xx whose ``WebHook-Allowed-Origin`` is ``origin`` or ``*``."""
    if not 200 <= status < 300:
        return False
    allowed = _header(headers, ALLOWED_ORIGIN_HEADER)
    if allowed is None:
        return False
    # A list is tolerated ("a.net, eventgrid.azure.net"); hosts compare case-insensitively.
    return any(item.strip().lower() in ("*", origin.lower()) for item in allowed.split(","))
