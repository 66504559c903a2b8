"""Publishing: check the published events, match them against every subscription of the workspace with the
filter engine ``events test`` uses, and make the delivery records and the jobs for the matched ones.

Events are Event Grid schema objects. ``eventType`` and ``subject`` are required strings; ``data`` defaults to
``{}``, ``id`` to a new GUID, ``eventTime`` to now, ``dataVersion`` to ``""`` and ``metadataVersion`` to ``"1"``;
``topic`` is always set to the workspace's ARM id, as the service stamps the source on system events. Limits
(Event Grid's): 1 MB per event, 1 MB per publish, at most ``MAX_EVENTS`` events.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from amlevents.core.errors import InvalidInputError
from amlevents.core.filters import evaluate, filter_from_document

MAX_EVENT_BYTES = 1024 * 1024
MAX_PUBLISH_BYTES = 1024 * 1024
MAX_EVENTS = 5000
ACTIVE_STATES = frozenset({"succeeded", "updating"})


def iso(t: float) -> str:
    """A wall-clock time as Event Grid writes it: ISO 8601 UTC with a ``Z``."""
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def checked_events(events: Any, topic: str, now: float) -> list[dict[str, Any]]:
    """The events to publish, completed (see the module docstring); ``InvalidInputError`` for bad ones."""
    if isinstance(events, dict):
        events = [events]
    if not isinstance(events, list) or not events:
        raise InvalidInputError("'events' must be a non-empty array of Event Grid events")
    if len(events) > MAX_EVENTS:
        raise InvalidInputError(f"{len(events)} events in one publish; the limit is {MAX_EVENTS}")
    out, total = [], 0
    for i, event in enumerate(events):
        if not isinstance(event, dict):
            raise InvalidInputError(f"event [{i}] must be a JSON object")
        for name in ("eventType", "subject"):
            if not isinstance(event.get(name), str):
                raise InvalidInputError(f"event [{i}] needs a string '{name}' (Event Grid schema)")
        size = len(json.dumps(event, separators=(",", ":")).encode())
        if size > MAX_EVENT_BYTES:
            raise InvalidInputError(f"event [{i}] is {size} bytes; an event may be at most 1 MB")
        total += size
        full = {"id": str(uuid.uuid4()), "eventTime": iso(now), "data": {}, "dataVersion": "",
                "metadataVersion": "1", **event, "topic": topic}
        out.append(full)
    if total > MAX_PUBLISH_BYTES:
        raise InvalidInputError(f"the events are {total} bytes; a publish may be at most 1 MB")
    return out


def match(resource: dict[str, Any], event: dict[str, Any]) -> tuple[bool, list[dict[str, str]]]:
    """Whether the subscription ``resource`` lets ``event`` through, and its failing checks (``check``,
    ``reason``) as ``events test`` reports them."""
    state = str(resource["properties"].get("provisioningState") or "")
    if state.lower() not in ACTIVE_STATES:
        return False, [{"check": "provisioningState",
                        "reason": f"the subscription is {state or 'not provisioned'}; only a Succeeded one "
                                  "receives events"}]
    expires = resource["properties"].get("expirationTimeUtc")
    if _expired(expires):
        return False, [{"check": "expirationTimeUtc", "reason": f"the subscription expired at {expires}"}]
    verdict = evaluate(filter_from_document(resource), event)
    failed = [{"check": c.check, "reason": c.reason} for c in verdict.checks if not c.passed]
    return verdict.delivered, failed


def _expired(value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:  # ARM writes 7 fractional digits; seconds are precise enough here
        when = datetime.fromisoformat(value.split(".")[0].rstrip("Z")).replace(tzinfo=timezone.utc)
    except ValueError:
        return False
    return when < datetime.now(timezone.utc)


def new_record(publish_id: str, published: str, event: dict[str, Any], target_name: str, target_id: str,
               endpoint_type: str | None, endpoint: str | None) -> dict[str, Any]:
    """A delivery record before matching (see ``log.py``)."""
    return {"id": str(uuid.uuid4()), "publishId": publish_id, "publishTime": published,
            "eventId": event.get("id"), "eventType": event.get("eventType"), "subject": event.get("subject"),
            "subscription": target_name, "subscriptionId": target_id, "matched": False, "failedChecks": [],
            "endpointType": endpoint_type, "endpoint": endpoint, "attempts": [], "outcome": "pending",
            "reason": None}
