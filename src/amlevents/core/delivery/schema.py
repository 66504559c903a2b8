"""The delivery schemas: an Event Grid event as the subscription's ``eventDeliverySchema`` asks for it.

Azure ML publishes in the Event Grid schema; a subscription with ``CloudEventSchemaV1_0`` receives each event as
a CloudEvents 1.0 structured event (``specversion`` "1.0", ``type`` = eventType, ``source`` = topic, ``subject``,
``id``, ``time`` = eventTime, ``data``, ``datacontenttype`` application/json). Content types per
reference/webhooks.md §2.
"""

from __future__ import annotations

from typing import Any

EVENTGRID_SCHEMA = "EventGridSchema"
CLOUDEVENTS_SCHEMA = "CloudEventSchemaV1_0"
CUSTOM_SCHEMA = "CustomInputSchema"
EVENTGRID_CONTENT_TYPE = "application/json; charset=utf-8"
CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
# The Event Grid envelope's required members (the data plane refuses an event without them).
REQUIRED_FIELDS = ("id", "subject", "eventType", "eventTime", "data")


def content_type(schema: str | None) -> str:
    """The ``Content-Type`` of a delivery in ``schema`` (None: the default, Event Grid schema)."""
    return CLOUDEVENTS_CONTENT_TYPE if is_cloudevents(schema) else EVENTGRID_CONTENT_TYPE


def is_cloudevents(schema: str | None) -> bool:
    """Whether ``schema`` names CloudEvents 1.0 (compared case-insensitively, as the service reads enums)."""
    return (schema or "").lower() == CLOUDEVENTS_SCHEMA.lower()


def missing_fields(event: Any) -> list[str]:
    """The required Event Grid envelope members ``event`` lacks (all of them when it is not an object)."""
    if not isinstance(event, dict):
        return list(REQUIRED_FIELDS)
    return [name for name in REQUIRED_FIELDS if name not in event]


def to_cloudevent(event: dict[str, Any]) -> dict[str, Any]:
    """The CloudEvents 1.0 structured form of an Event Grid event."""
    out: dict[str, Any] = {
        "specversion": "1.0",
        "type": event.get("eventType"),
        "source": event.get("topic"),
        "id": event.get("id"),
        "time": event.get("eventTime"),
        "subject": event.get("subject"),
        "datacontenttype": "application/json",
        "data": event.get("data"),
    }
    return out


def to_schema(event: dict[str, Any], schema: str | None) -> dict[str, Any]:
    """``event`` (Event Grid schema, ``topic`` filled in) as delivered in ``schema``."""
    return to_cloudevent(event) if is_cloudevents(schema) else event
