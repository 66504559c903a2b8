"""The receiver's WSGI app: answers the handshakes, checks and de-duplicates deliveries, reports each one.

It does what reference/webhooks.md §6 and aml-events.md §6 ask of a handler:

- Event Grid schema handshake: a ``SubscriptionValidationEvent`` is answered 200 ``{"validationResponse": code}``;
  CloudEvents: ``OPTIONS`` is answered with ``WebHook-Allowed-Origin`` (``core.delivery.handshake``);
- arrays in either schema (``events.detect_schema``); with ``schema`` set, the other one is refused (400);
- ``topic``/``source`` checked against an expected topic: a request carrying another topic's event is refused
  400 (a batch succeeds or fails as a whole); unknown event types are tolerated and reported;
- de-duplication on ``id``: an id already answered 2xx is reported as a duplicate (and answered 2xx again);
- ``respond``: answer deliveries with a chosen status, to rehearse retries and dead-lettering; the handshake is
  still completed unless ``fail_handshake``;
- bounded size: a request over 1 MB, or an event over 1 MB (the service's event limit), is answered 413.

Every request ends in one ``Delivery`` handed to the callback before the answer is sent, so when a sender has
its answer the callback has run.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any

from amlevents.core.delivery import handshake
from amlevents.receiver.events import (
    AEG_HEADERS,
    BodyError,
    ReceivedEvent,
    detect_schema,
    read_events,
)

log = logging.getLogger("amlevents.receiver")
MAX_EVENT_BYTES = 1024 * 1024  # the service's limit on one event
MAX_REQUEST_BYTES = 1024 * 1024
SEEN_IDS = 100_000  # ids remembered for de-duplication (the oldest are forgotten first)
AUTO = "auto"


@dataclass(frozen=True)
class ReceiverOptions:
    """How the receiver answers. ``schema``: ``eventgrid``, ``cloudevents`` or ``auto`` (both)."""

    schema: str = AUTO
    respond: int | None = None
    fail_handshake: bool = False
    topic: str | None = None
    max_event_bytes: int = MAX_EVENT_BYTES
    max_request_bytes: int = MAX_REQUEST_BYTES


@dataclass(frozen=True)
class Delivery:
    """One request and how it was answered. ``kind``: ``notification``, ``validation`` (Event Grid handshake),
    ``options`` (CloudEvents handshake) or ``refused`` (not events: bad JSON, too large, wrong method)."""

    kind: str
    status: int
    received_at: str
    schema: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # the aeg-* headers only (custom ones may be secret)
    events: tuple[ReceivedEvent, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def delivery_count(self) -> int | None:
        """``aeg-delivery-count`` as a number (None when absent or not a number)."""
        value = self.headers.get("aeg-delivery-count", "")
        return int(value) if value.isdigit() else None

    def records(self) -> list[dict[str, Any]]:
        """One JSON-ready record per event, as ``listen`` prints them (stable keys)."""
        return [{
            "receivedAt": self.received_at, "status": self.status, "schema": e.schema, "id": e.id,
            "eventType": e.type, "subject": e.subject, "topic": e.topic, "eventTime": e.time, "data": e.data,
            "deliveryCount": self.delivery_count, "subscriptionName": self.headers.get("aeg-subscription-name"),
            "duplicate": e.duplicate, "knownType": e.known_type,
        } for e in self.events]


def _now() -> datetime:
    return datetime.now(timezone.utc)


class ReceiverApp:
    """The WSGI app. ``on_delivery`` gets every ``Delivery``; ``clock`` stamps them (injectable for tests)."""

    def __init__(self, options: ReceiverOptions, on_delivery: Callable[[Delivery], None],
                 clock: Callable[[], datetime] = _now) -> None:
        self.options = options
        self.on_delivery = on_delivery
        self.clock = clock
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        headers = {name: environ[key] for name in AEG_HEADERS if (key := "HTTP_" + name.upper().replace("-", "_"))
                   in environ}
        base = Delivery(kind="refused", status=200, received_at=self._stamp(), headers=headers)
        if method == "OPTIONS":
            return self._options(environ, base, start_response)
        if method in ("GET", "HEAD"):
            return _answer(start_response, 200, b"amlevents listen: POST Event Grid deliveries here.\n",
                           "text/plain; charset=utf-8")
        if method != "POST":
            self._report(replace(base, status=405, problems=(f"{method} is not a delivery (POST)",)))
            return _answer(start_response, 405, b"", extra={"Allow": "POST, OPTIONS"})
        body = _read(environ, self.options.max_request_bytes)
        if body is None:
            return self._refuse(start_response, base, 413,
                                f"the request is over {self.options.max_request_bytes} bytes")
        try:
            raw = read_events(body)
        except BodyError as exc:
            return self._refuse(start_response, base, 400, str(exc))
        validation = handshake.validation_request(raw)
        if validation is not None:
            return self._validation(start_response, base, validation)
        return self._notification(start_response, base, raw, environ.get("CONTENT_TYPE"))

    def _stamp(self) -> str:
        return self.clock().astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def _options(self, environ: dict[str, Any], base: Delivery, start_response: Callable[..., Any]) -> Iterable[bytes]:
        origin = environ.get("HTTP_" + handshake.ORIGIN_HEADER.upper().replace("-", "_"))
        if self._handshake_fails():
            status = self.options.respond or 405
            self._report(replace(base, kind="options", status=status, problems=("handshake refused on purpose",)))
            return _answer(start_response, status, b"")
        self._report(replace(base, kind="options", status=200, schema="cloudevents",
                             headers={**base.headers, "webhook-request-origin": origin or ""}))
        return _answer(start_response, 200, b"", extra=handshake.options_response_headers(origin))

    def _validation(self, start_response: Callable[..., Any], base: Delivery,
                    validation: tuple[str, str | None]) -> Iterable[bytes]:
        code, _url = validation
        if self._handshake_fails():
            status = self.options.respond or 400
            self._report(replace(base, kind="validation", status=status, schema="eventgrid",
                                 problems=("handshake refused on purpose",)))
            return _answer(start_response, status, b"")
        self._report(replace(base, kind="validation", status=200, schema="eventgrid"))
        return _answer(start_response, 200, json.dumps(handshake.validation_response(code)).encode(),
                       "application/json; charset=utf-8")

    def _handshake_fails(self) -> bool:
        return self.options.fail_handshake

    def _notification(self, start_response: Callable[..., Any], base: Delivery, raw: list[dict[str, Any]],
                      content_type: str | None) -> Iterable[bytes]:
        schema = detect_schema(content_type, raw)
        if self.options.schema not in (AUTO, schema):
            return self._refuse(start_response, base, 400, f"a {schema} delivery, but this listener expects "
                                f"{self.options.schema} (--schema)")
        events = [ReceivedEvent.parse(item, schema) for item in raw]
        problems: list[str] = []
        status = self.options.respond or 200
        too_big = [e.id for e, item in zip(events, raw) if _size(item) > self.options.max_event_bytes]
        if too_big:
            status = 413
            problems.append(f"event {too_big[0]} is over {self.options.max_event_bytes} bytes")
        wrong = [e for e in events if self.options.topic and not _same_topic(e.topic, self.options.topic)]
        if wrong and status != 413:
            status = 400
            problems.append(f"event {wrong[0].id} comes from topic {wrong[0].topic}, not {self.options.topic}")
        problems += [f"unknown event type {e.type} (tolerated)" for e in events if not e.known_type]
        events = self._dedupe(events, accepted=200 <= status <= 204)
        problems += [f"duplicate id {e.id} (already accepted)" for e in events if e.duplicate]
        self._report(replace(base, kind="notification", status=status, schema=schema, events=tuple(events),
                             problems=tuple(problems)))
        return _answer(start_response, status, b"")

    def _dedupe(self, events: list[ReceivedEvent], *, accepted: bool) -> list[ReceivedEvent]:
        """Flag ids already accepted; remember these ones only if they are accepted now (a refused event will be
        retried, and its retry is not a duplicate)."""
        out = []
        with self._lock:
            for event in events:
                duplicate = event.id is not None and event.id in self._seen
                out.append(replace(event, duplicate=duplicate) if duplicate else event)
                if accepted and event.id is not None:
                    self._seen[event.id] = None
                    self._seen.move_to_end(event.id)
            while len(self._seen) > SEEN_IDS:
                self._seen.popitem(last=False)
        return out

    def _refuse(self, start_response: Callable[..., Any], base: Delivery, status: int,
                problem: str) -> Iterable[bytes]:
        self._report(replace(base, status=status, problems=(problem,)))
        return _answer(start_response, status, b"")

    def _report(self, delivery: Delivery) -> None:
        try:
            self.on_delivery(delivery)
        except Exception:
            log.warning("the delivery callback failed", exc_info=True)


def _same_topic(topic: str | None, expected: str) -> bool:
    # ARM resource ids compare case-insensitively
    return (topic or "").rstrip("/").lower() == expected.rstrip("/").lower()


def _size(event: dict[str, Any]) -> int:
    return len(json.dumps(event, separators=(",", ":")).encode())


def _read(environ: dict[str, Any], limit: int) -> bytes | None:
    """The request body, or None when it is over ``limit`` bytes (at most ``limit + 1`` bytes are read)."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH") or ""
    if length.isdigit():
        if int(length) > limit:
            return None
        return stream.read(int(length))
    body = stream.read(limit + 1)  # chunked: read one byte past the limit to know it is over
    return None if len(body) > limit else body


def _answer(start_response: Callable[..., Any], status: int, body: bytes,
            content_type: str = "text/plain; charset=utf-8", extra: dict[str, str] | None = None) -> list[bytes]:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Status"
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), *(extra or {}).items()]
    start_response(f"{status} {phrase}", headers)
    return [body]
