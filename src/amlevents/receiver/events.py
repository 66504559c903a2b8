"""What the receiver makes of a request body: the schema, the events in a common view, and what is worth showing.

Event Grid delivers a JSON array in either schema (reference/webhooks.md §2, §4): the Event Grid schema
(``application/json``, events with ``eventType``/``topic``) or CloudEvents 1.0 structured
(``application/cloudevents+json``, events with ``specversion``/``type``/``source``). The content type decides,
else the first event's ``specversion``; a single object is taken as an array of one, as a hand-written test often
sends it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from amlevents.core.catalog import EVENT_PREFIX, EVENT_TYPES, is_aml_event_type

EVENTGRID = "eventgrid"
CLOUDEVENTS = "cloudevents"
SCHEMAS = (EVENTGRID, CLOUDEVENTS)
CLOUDEVENTS_MEDIA_TYPES = ("application/cloudevents+json", "application/cloudevents-batch+json")
# aeg-* headers shown with each event (their values are never secrets; custom delivery headers may be).
AEG_HEADERS = ("aeg-subscription-name", "aeg-delivery-count", "aeg-event-type", "aeg-metadata-version",
               "aeg-data-version", "aeg-output-event-id")


class BodyError(ValueError):
    """The body is not a JSON array (or object) of events."""


@dataclass(frozen=True)
class ReceivedEvent:
    """One event of a delivery, in a view common to both schemas (``raw`` is the event as it arrived)."""

    schema: str
    id: str | None
    type: str | None
    subject: str | None
    topic: str | None
    time: str | None
    data: Any
    raw: dict[str, Any] = field(repr=False)
    known_type: bool = True
    duplicate: bool = False

    @classmethod
    def parse(cls, raw: dict[str, Any], schema: str) -> ReceivedEvent:
        """``raw`` (one element of the array) read as ``schema``."""
        ce = schema == CLOUDEVENTS
        kind = _text(raw.get("type" if ce else "eventType"))
        return cls(schema=schema, id=_text(raw.get("id")), type=kind, subject=_text(raw.get("subject")),
                   topic=_text(raw.get("source" if ce else "topic")), time=_text(raw.get("time" if ce else "eventTime")),
                   data=raw.get("data"), raw=raw, known_type=bool(kind) and is_aml_event_type(kind))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None if value is None else str(value)


def detect_schema(content_type: str | None, events: list[Any]) -> str:
    """``cloudevents`` or ``eventgrid``: by the media type, else by the first event's ``specversion``."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media in CLOUDEVENTS_MEDIA_TYPES:
        return CLOUDEVENTS
    first = events[0] if events else None
    if isinstance(first, dict) and "specversion" in first and "eventType" not in first:
        return CLOUDEVENTS
    return EVENTGRID


def read_events(body: bytes) -> list[Any]:
    """The JSON array in ``body`` (an object becomes an array of one); ``BodyError`` when it is neither."""
    try:
        parsed = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BodyError(f"the body is not JSON ({type(exc).__name__})") from None
    if isinstance(parsed, dict):
        return [parsed]
    if not isinstance(parsed, list):
        raise BodyError("the body is not a JSON array of events")
    if not all(isinstance(item, dict) for item in parsed):
        raise BodyError("an element of the array is not a JSON object")
    return parsed


def interesting_fields(event_type: str | None, data: Any) -> dict[str, Any]:
    """The scalar ``data`` fields the catalog lists for ``event_type`` (model name, run status ...), in the
    catalog's order and the event's own spelling; for an unknown type, the first few scalar fields."""
    if not isinstance(data, dict):
        return {}
    info = next((i for i in EVENT_TYPES if event_type and event_type.lower() in (i.event_type.lower(),
                                                                                  i.name.lower())), None)
    by_lower = {str(k).lower(): k for k in data}
    if info is None:
        return {k: v for k, v in list(data.items())[:4] if _scalar(v)}
    out: dict[str, Any] = {}
    for f in info.fields:
        key = by_lower.get(f.live_name.lower()) or by_lower.get(f.name.lower())
        if key is not None and _scalar(data[key]) and data[key] not in (None, ""):
            out[key] = data[key]
    return out


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def short_type(event_type: str | None) -> str:
    """``ModelRegistered`` for ``Microsoft.MachineLearningServices.ModelRegistered``; other types unchanged."""
    kind = event_type or "(no type)"
    return kind[len(EVENT_PREFIX):] if kind.lower().startswith(EVENT_PREFIX.lower()) else kind
