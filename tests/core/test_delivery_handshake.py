"""The validation handshakes (webhooks.md §1-2): the event sent, recognizing it, and what counts as an answer."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from amlevents.core.delivery.handshake import (
    ALLOWED_ORIGIN_HEADER,
    EVENTGRID_ORIGIN,
    ORIGIN_HEADER,
    VALIDATION_EVENT_TYPE,
    options_consent,
    options_request_headers,
    options_response_headers,
    read_validation_response,
    validation_event,
    validation_headers,
    validation_request,
    validation_response,
)

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
TOPIC = "/subscriptions/00000000-0000-0000-0000-000000000000"


def test_validation_event_has_the_documented_shape():
    event = validation_event(code="c0de", url="https://x:553/validate?t=1", topic=TOPIC, now=NOW, event_id="e1")
    assert event == {
        "id": "e1", "topic": TOPIC, "subject": "", "eventType": VALIDATION_EVENT_TYPE,
        "data": {"validationCode": "c0de", "validationUrl": "https://x:553/validate?t=1"},
        "eventTime": "2026-01-02T03:04:05Z", "metadataVersion": "1", "dataVersion": "1",
    }


def test_validation_event_ids_are_unique_by_default():
    events = [validation_event(code="c", url=None, topic=TOPIC, now=NOW) for _ in range(2)]
    assert events[0]["id"] != events[1]["id"]
    assert "validationUrl" not in events[0]["data"]


def test_validation_headers_mark_the_handshake():
    headers = validation_headers("sub1")
    assert headers["aeg-event-type"] == "SubscriptionValidation"
    assert headers["aeg-subscription-name"] == "sub1"
    assert headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([validation_event(code="abc", url="https://v", topic=TOPIC, now=NOW)], ("abc", "https://v")),
        ([validation_event(code="abc", url=None, topic=TOPIC, now=NOW)], ("abc", None)),
        (validation_event(code="abc", url=None, topic=TOPIC, now=NOW), ("abc", None)),
        ([{"eventType": "Microsoft.MachineLearningServices.RunCompleted", "data": {"validationCode": "x"}}], None),
        ([{"eventType": VALIDATION_EVENT_TYPE, "data": {}}], None),
        ([{"eventType": VALIDATION_EVENT_TYPE, "data": "nope"}], None),
        ([], None),
        ("text", None),
    ],
)
def test_validation_request_recognizes_only_the_handshake(body, expected):
    assert validation_request(body) == expected


def test_validation_response_round_trips():
    body = json.dumps(validation_response("abc")).encode()
    assert read_validation_response(body, 200) == "abc"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"validationResponse": "abc"}', 202),  # the service does not recognize 202
        (b'{"validationResponse": "abc"}', 204),
        (b'{"validationResponse": "abc"}', 500),
        (b'{"validationCode": "abc"}', 200),
        (b'{"validationResponse": 5}', 200),
        (b'["abc"]', 200),
        (b"abc", 200),
        (b"\xff\xfe", 200),
        (b"", 200),
    ],
)
def test_read_validation_response_rejects_what_the_service_rejects(body, status):
    assert read_validation_response(body, status) is None


def test_options_request_carries_the_event_grid_origin():
    assert options_request_headers() == {ORIGIN_HEADER: EVENTGRID_ORIGIN}


def test_options_response_headers_consent():
    assert options_consent(200, options_response_headers(EVENTGRID_ORIGIN))
    assert options_response_headers(None)[ALLOWED_ORIGIN_HEADER] == "*"


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (200, {ALLOWED_ORIGIN_HEADER: EVENTGRID_ORIGIN}, True),
        (204, {"webhook-allowed-origin": "*"}, True),
        (200, {ALLOWED_ORIGIN_HEADER: "other.net, EventGrid.Azure.Net"}, True),
        (200, {ALLOWED_ORIGIN_HEADER: "other.net"}, False),
        (200, {}, False),
        (405, {ALLOWED_ORIGIN_HEADER: "*"}, False),
        (404, {}, False),
    ],
)
def test_options_consent(status, headers, expected):
    assert options_consent(status, headers) is expected
