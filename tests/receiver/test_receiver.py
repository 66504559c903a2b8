"""The local webhook receiver over real HTTP(S): both handshakes, both schemas, arrays, dedupe, topic, status, size."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import urllib3

from amlevents.core.delivery import handshake
from amlevents.receiver import Receiver, ReceiverApp, ReceiverOptions

TOPIC = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
         "Microsoft.MachineLearningServices/workspaces/ws")
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
EG = {"Content-Type": "application/json; charset=utf-8", "aeg-event-type": "Notification", "aeg-delivery-count": "1"}
CE = {"Content-Type": "application/cloudevents+json; charset=utf-8", "aeg-event-type": "Notification"}


def eg_event(event_id="e1", event_type="Microsoft.MachineLearningServices.ModelRegistered", topic=TOPIC):
    return {"id": event_id, "topic": topic, "subject": "models/churn:3", "eventType": event_type,
            "eventTime": "2026-01-01T00:00:00Z", "data": {"modelName": "churn", "modelVersion": "3"},
            "dataVersion": "2", "metadataVersion": "1"}


def ce_event(event_id="c1"):
    return {"specversion": "1.0", "id": event_id, "source": TOPIC, "subject": "models/churn:3",
            "type": "Microsoft.MachineLearningServices.ModelRegistered", "time": "2026-01-01T00:00:00Z",
            "datacontenttype": "application/json", "data": {"modelName": "churn"}}


@pytest.fixture
def listen():
    """Factory: start a receiver with ``ReceiverOptions(**options)``; returns (url, deliveries, tls client)."""
    started = []

    def start(tls=None, **options):
        deliveries = []
        receiver = Receiver(ReceiverApp(ReceiverOptions(**options), deliveries.append), tls=tls).start()
        started.append(receiver)
        return receiver.url, deliveries

    yield start
    for receiver in started:
        receiver.stop()


http = urllib3.PoolManager(retries=False, timeout=10)


def post(url, body, headers=EG):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http.request("POST", url, body=data, headers=headers)


def test_event_grid_handshake_echoes_the_code(listen):
    url, deliveries = listen()
    event = handshake.validation_event(code="abc-123", url=None, topic=TOPIC, now=NOW)
    response = post(url, [event], handshake.validation_headers("sub1"))
    assert response.status == 200
    assert handshake.read_validation_response(response.data, response.status) == "abc-123"
    assert (deliveries[0].kind, deliveries[0].headers["aeg-subscription-name"]) == ("validation", "sub1")


@pytest.mark.parametrize(("origin", "allowed"), [("eventgrid.azure.net", "eventgrid.azure.net"), (None, "*")])
def test_cloudevents_handshake_answers_the_origin(listen, origin, allowed):
    url, deliveries = listen()
    response = http.request("OPTIONS", url, headers={handshake.ORIGIN_HEADER: origin} if origin else {})
    assert response.headers[handshake.ALLOWED_ORIGIN_HEADER] == allowed
    assert handshake.options_consent(response.status, dict(response.headers))
    assert deliveries[0].kind == "options"


@pytest.mark.parametrize(
    ("body", "headers", "schema"),
    [
        ([eg_event("a"), eg_event("b")], EG, "eventgrid"),
        ([ce_event("a"), ce_event("b")], CE, "cloudevents"),
        ([ce_event("a"), ce_event("b")], {"Content-Type": "application/json"}, "cloudevents"),  # by specversion
    ],
)
def test_arrays_in_either_schema_are_read(listen, body, headers, schema):
    url, deliveries = listen()
    assert post(url, body, headers).status == 200
    (delivery,) = deliveries
    assert [(e.schema, e.id, e.topic, e.subject) for e in delivery.events] == [
        (schema, "a", TOPIC, "models/churn:3"), (schema, "b", TOPIC, "models/churn:3")]
    assert delivery.events[0].type == "Microsoft.MachineLearningServices.ModelRegistered"


def test_a_single_object_is_an_array_of_one(listen):
    url, deliveries = listen()
    assert post(url, eg_event("solo")).status == 200
    assert [e.id for e in deliveries[0].events] == ["solo"]


def test_the_other_schema_is_refused_when_one_is_chosen(listen):
    url, deliveries = listen(schema="eventgrid")
    assert post(url, [ce_event()], CE).status == 400
    assert "expects eventgrid" in deliveries[0].problems[0]


def test_duplicates_are_reported_and_still_accepted(listen):
    url, deliveries = listen()
    assert [post(url, [eg_event("same")]).status for _ in range(2)] == [200, 200]
    assert [d.events[0].duplicate for d in deliveries] == [False, True]
    assert "duplicate id same" in deliveries[1].problems[0]


def test_a_refused_event_sent_again_is_not_a_duplicate(listen):
    url, deliveries = listen(topic="/other/topic")
    post(url, [eg_event("retry")])
    post(url, [eg_event("retry")])
    assert [e.duplicate for d in deliveries for e in d.events] == [False, False]


@pytest.mark.parametrize(("expected", "status"), [(TOPIC.upper() + "/", 200), ("/subscriptions/x/other", 400)])
def test_the_topic_is_checked(listen, expected, status):
    url, deliveries = listen(topic=expected)
    assert post(url, [eg_event()]).status == status
    assert bool(deliveries[0].problems) is (status == 400)


def test_a_batch_with_one_foreign_event_is_refused_whole(listen):
    url, deliveries = listen(topic=TOPIC)
    assert post(url, [eg_event("ok"), eg_event("bad", topic="/subscriptions/evil")]).status == 400
    assert "comes from topic /subscriptions/evil" in deliveries[0].problems[0]


def test_unknown_event_types_are_tolerated_and_reported(listen):
    url, deliveries = listen()
    assert post(url, [eg_event(event_type="Contoso.Things.Happened")]).status == 200
    assert deliveries[0].events[0].known_type is False
    assert "unknown event type Contoso.Things.Happened" in deliveries[0].problems[0]


def test_respond_answers_deliveries_but_still_completes_the_handshake(listen):
    url, _ = listen(respond=503)
    validation = handshake.validation_event(code="c", url=None, topic=TOPIC, now=NOW)
    assert post(url, [validation], handshake.validation_headers("s")).status == 200
    assert http.request("OPTIONS", url, headers=handshake.options_request_headers()).status == 200
    assert post(url, [eg_event()]).status == 503


@pytest.mark.parametrize(("method", "body", "status"), [("POST", "validation", 503), ("OPTIONS", None, 503)])
def test_fail_handshake_refuses_both_handshakes(listen, method, body, status):
    url, _ = listen(respond=503, fail_handshake=True)
    data = json.dumps([handshake.validation_event(code="c", url=None, topic=TOPIC, now=NOW)]) if body else None
    assert http.request(method, url, body=data, headers=handshake.options_request_headers()).status == status


def test_delivery_count_comes_from_the_header(listen):
    url, deliveries = listen()
    post(url, [eg_event()], {**EG, "aeg-delivery-count": "4", "aeg-subscription-name": "SUB"})
    (record,) = deliveries[0].records()
    assert (record["deliveryCount"], record["subscriptionName"], record["data"]["modelName"]) == (4, "SUB", "churn")


def test_a_request_over_1_mb_is_answered_413(listen):
    url, deliveries = listen()
    assert post(url, b"[" + b" " * (1024 * 1024) + b"]").status == 413
    assert deliveries[0].status == 413


def test_a_chunked_request_over_1_mb_is_answered_413(listen):
    url, _ = listen()
    chunks = (b" " * 65536 for _ in range(20))
    response = http.request("POST", url, body=chunks, headers=EG, chunked=True)
    assert response.status == 413


def test_an_event_over_the_event_limit_is_answered_413(listen):
    url, deliveries = listen(max_event_bytes=1000)
    big = eg_event("big")
    big["data"]["blob"] = "x" * 2000
    assert post(url, [eg_event("small"), big]).status == 413
    assert "event big is over 1000 bytes" in deliveries[0].problems[0]


@pytest.mark.parametrize(("body", "problem"), [(b"not json", "not JSON"), (b"42", "not a JSON array"),
                                                 (b"[1, 2]", "not a JSON object")])
def test_a_body_that_is_not_events_is_answered_400(listen, body, problem):
    url, deliveries = listen()
    assert post(url, body).status == 400
    assert problem in deliveries[0].problems[0]


def test_other_methods_are_answered_405(listen):
    url, _ = listen()
    response = http.request("PUT", url, body=b"[]")
    assert (response.status, response.headers["Allow"]) == (405, "POST, OPTIONS")


def test_the_handshake_works_over_https(listen, tmp_path):
    from amlevents.cli.wiring import listener_certificates

    ca, cert, key = listener_certificates(tmp_path / "certs")
    url, _ = listen(tls=(cert, key))
    assert url.startswith("https://")
    client = urllib3.PoolManager(ca_certs=ca, retries=False, timeout=10)
    event = handshake.validation_event(code="tls", url=None, topic=TOPIC, now=NOW)
    response = client.request("POST", url, body=json.dumps([event]).encode(), headers=handshake.validation_headers("s"))
    assert handshake.read_validation_response(response.data, response.status) == "tls"
