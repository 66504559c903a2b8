"""The HTTP headers of a delivery (reference/webhooks.md §3): Event Grid's ``aeg-*`` headers and the
destination's delivery attribute mappings.

``aeg-delivery-count`` counts earlier attempts (0 on the first delivery, as the handshake's ``0``);
``aeg-metadata-version`` is "1" for the Event Grid schema and the spec version "1.0" for CloudEvents;
``aeg-data-version`` (Event Grid schema only) is the first event's ``dataVersion``. A ``Static`` mapping sends its
``value``; a ``Dynamic`` one the value of its ``sourceField`` (``data.modelName``, resolved as filters resolve keys:
segments match case-insensitively) in the batch's first event, left out when the field is missing. Values that are
not strings are sent as JSON. Secret mappings' header names are returned apart so that logs redact them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from amlevents.core.delivery.schema import content_type, is_cloudevents
from amlevents.core.filters.evaluate import EVENTGRID, resolve_key
from amlevents.core.redact import REDACTED, redact_headers

NOTIFICATION = "Notification"


@dataclass(frozen=True)
class DeliveryHeaders:
    """The headers to send and the names (lower-case) of those whose values are secrets."""

    headers: dict[str, str]
    secret: frozenset[str]

    def redacted(self) -> dict[str, str]:
        """The headers as logs may show them: secret values and credentials replaced by ``REDACTED``."""
        shown = {k: (REDACTED if k.lower() in self.secret else v) for k, v in self.headers.items()}
        return redact_headers(shown)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def attribute_headers(mappings: Sequence[Mapping[str, Any]], event: Mapping[str, Any]) -> tuple[dict[str, str],
                                                                                            set[str]]:
    """The delivery attribute headers for ``event`` (Event Grid schema) and the lower-case names of secret ones."""
    headers: dict[str, str] = {}
    secret: set[str] = set()
    for mapping in mappings or ():
        name, kind = mapping.get("name"), str(mapping.get("type") or "")
        props = mapping.get("properties") or {}
        if not isinstance(name, str) or not name:
            continue
        if kind.lower() == "static":
            if props.get("value") is None:
                continue
            headers[name] = _text(props["value"])
            if props.get("isSecret") is True:
                secret.add(name.lower())
        elif kind.lower() == "dynamic":
            found, value = resolve_key(dict(event), str(props.get("sourceField") or ""), EVENTGRID)
            if found and value is not None:
                headers[name] = _text(value)
    return headers, secret


def delivery_headers(*, subscription_name: str, schema: str | None, events: Sequence[Mapping[str, Any]],
                     attempt: int, mappings: Sequence[Mapping[str, Any]] = ()) -> DeliveryHeaders:
    """Every header of delivery attempt ``attempt`` (1-based) of a batch of Event Grid ``events``."""
    first = events[0] if events else {}
    cloud = is_cloudevents(schema)
    headers = {
        "Content-Type": content_type(schema),
        "aeg-event-type": NOTIFICATION,
        "aeg-subscription-name": subscription_name,
        "aeg-delivery-count": str(max(0, attempt - 1)),
        "aeg-metadata-version": "1.0" if cloud else str(first.get("metadataVersion") or "1"),
    }
    if not cloud:
        headers["aeg-data-version"] = str(first.get("dataVersion") or "")
    if len(events) == 1 and first.get("id") is not None:
        headers["aeg-output-event-id"] = str(first["id"])
    extra, secret = attribute_headers(mappings, first)
    # a mapping never overrides Event Grid's own headers
    lowered = {k.lower() for k in headers}
    headers.update({k: v for k, v in extra.items() if k.lower() not in lowered})
    return DeliveryHeaders(headers, frozenset(secret))
