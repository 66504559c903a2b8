"""The service's delivery rules (reference/webhooks.md §2-5): success, retry schedule, minimum delays, batching,
CloudEvents conversion, headers and dead-letter records."""

from __future__ import annotations

import pytest

from amlevents.core.delivery import (
    RetryPolicy,
    batches,
    content_type,
    dead_letter_path,
    dead_letter_record,
    dead_letter_target,
    decide,
    delivery_headers,
    to_schema,
)
from amlevents.core.delivery.retry import (
    DEAD_LETTER,
    DELIVERED,
    RETRY,
    outcome_name,
    scheduled_delay,
)

EVENT = {"id": "e1", "topic": "/subscriptions/s/ws", "subject": "models/m:1", "eventType": "T",
         "eventTime": "2024-01-01T00:00:00Z", "data": {"modelName": "churn", "n": 3}, "dataVersion": "2",
         "metadataVersion": "1"}


@pytest.mark.parametrize("status,action", [
    (200, DELIVERED), (201, DELIVERED), (202, DELIVERED), (203, DELIVERED), (204, DELIVERED),
    (205, RETRY), (302, RETRY), (404, RETRY), (408, RETRY), (500, RETRY), (503, RETRY), (None, RETRY),
    (400, DEAD_LETTER), (401, DEAD_LETTER), (403, DEAD_LETTER), (413, DEAD_LETTER),
])
def test_which_answers_deliver_retry_or_end(status, action):
    assert decide(1, status, 0, RetryPolicy()).action == action


@pytest.mark.parametrize("attempt,delay", [(1, 10), (2, 30), (3, 60), (4, 300), (5, 600), (6, 1800), (7, 3600),
                                           (8, 10800), (9, 21600), (10, 43200), (20, 43200)])
def test_retry_schedule(attempt, delay):
    assert scheduled_delay(attempt) == delay
    assert decide(attempt, 500, 0, RetryPolicy(30, 10**6)).delay == delay


@pytest.mark.parametrize("status,least", [(408, 120), (503, 30), (500, 10)])
def test_minimum_delay_by_status(status, least):
    assert decide(1, status, 0, RetryPolicy()).delay == least


def test_jitter_is_added_to_the_scheduled_delay():
    assert decide(2, 500, 0, RetryPolicy(), jitter=lambda d: d / 10).delay == 33


@pytest.mark.parametrize("attempt,elapsed,policy,reason", [
    (3, 0, RetryPolicy(3, 1440), "MaxDeliveryAttemptsExceeded"),
    (2, 40, RetryPolicy(30, 1), "TimeToLiveExceeded"),
    (1, 0, RetryPolicy(1, 1440), "MaxDeliveryAttemptsExceeded"),
])
def test_when_retries_end(attempt, elapsed, policy, reason):
    decision = decide(attempt, 500, elapsed, policy)
    assert (decision.action, decision.reason) == (DEAD_LETTER, reason)


def test_retry_policy_defaults_and_wire():
    assert RetryPolicy.from_wire(None) == RetryPolicy(30, 1440)
    assert RetryPolicy.from_wire({"maxDeliveryAttempts": 3}) == RetryPolicy(3, 1440)


@pytest.mark.parametrize("status,error,word", [(404, None, "NotFound"), (400, None, "BadRequest"),
                                               (None, "timeout", "TimedOut"), (None, "tls", "GenericError"),
                                               (200, None, "Succeeded")])
def test_outcome_names(status, error, word):
    assert outcome_name(status, error) == word


@pytest.mark.parametrize("sizes,max_events,kb,expected", [
    ([10, 10, 10], None, None, [[10], [10], [10]]),  # default: one event per batch
    ([10, 10, 10], 2, 64, [[10, 10], [10]]),
    ([600, 600, 600], 10, 1, [[600], [600], [600]]),  # 1 KB preferred: two 600-byte events do not fit
    ([400, 400, 400], 10, 1, [[400, 400], [400]]),
    ([5000, 10], 10, 1, [[5000], [10]]),  # an oversize event goes alone
])
def test_batching(sizes, max_events, kb, expected):
    assert batches(sizes, lambda n: n, max_events, kb) == expected


def test_cloudevents_conversion():
    assert to_schema(EVENT, "CloudEventSchemaV1_0") == {
        "specversion": "1.0", "type": "T", "source": "/subscriptions/s/ws", "id": "e1",
        "time": "2024-01-01T00:00:00Z", "subject": "models/m:1", "datacontenttype": "application/json",
        "data": {"modelName": "churn", "n": 3}}
    assert to_schema(EVENT, "EventGridSchema") is EVENT


@pytest.mark.parametrize("schema,expected", [("EventGridSchema", "application/json; charset=utf-8"),
                                             (None, "application/json; charset=utf-8"),
                                             ("CloudEventSchemaV1_0", "application/cloudevents+json; charset=utf-8")])
def test_content_types(schema, expected):
    assert content_type(schema) == expected


def test_headers_of_a_delivery():
    mappings = [{"name": "x-s", "type": "Static", "properties": {"value": "v", "isSecret": False}},
                {"name": "x-k", "type": "Static", "properties": {"value": "k3y", "isSecret": True}},
                {"name": "x-d", "type": "Dynamic", "properties": {"sourceField": "data.ModelName"}},
                {"name": "x-n", "type": "Dynamic", "properties": {"sourceField": "data.n"}},
                {"name": "x-missing", "type": "Dynamic", "properties": {"sourceField": "data.nope"}}]
    made = delivery_headers(subscription_name="sub1", schema=None, events=[EVENT], attempt=3, mappings=mappings)
    assert made.headers == {
        "Content-Type": "application/json; charset=utf-8", "aeg-event-type": "Notification",
        "aeg-subscription-name": "sub1", "aeg-delivery-count": "2", "aeg-metadata-version": "1",
        "aeg-data-version": "2", "aeg-output-event-id": "e1", "x-s": "v", "x-k": "k3y", "x-d": "churn", "x-n": "3"}
    assert made.redacted()["x-k"] == "REDACTED" and made.redacted()["x-s"] == "v"


def test_cloudevents_headers_carry_the_spec_version_and_no_data_version():
    made = delivery_headers(subscription_name="s", schema="CloudEventSchemaV1_0", events=[EVENT], attempt=1)
    assert made.headers["aeg-metadata-version"] == "1.0" and "aeg-data-version" not in made.headers


def test_a_mapping_cannot_override_event_grid_headers():
    mapping = [{"name": "aeg-event-type", "type": "Static", "properties": {"value": "Forged"}}]
    made = delivery_headers(subscription_name="s", schema=None, events=[EVENT], attempt=1, mappings=mapping)
    assert made.headers["aeg-event-type"] == "Notification"


def test_dead_letter_record_and_path():
    record = dead_letter_record(EVENT, reason="MaxDeliveryAttemptsExceeded", attempts=3, last_outcome="NotFound",
                                last_status=404, publish_time="t0", last_attempt_time="t1")
    assert {k: record[k] for k in ("id", "deadLetterReason", "deliveryAttempts", "lastDeliveryOutcome",
                                   "lastHttpStatusCode", "publishTime", "lastDeliveryAttemptTime")} == {
        "id": "e1", "deadLetterReason": "MaxDeliveryAttemptsExceeded", "deliveryAttempts": 3,
        "lastDeliveryOutcome": "NotFound", "lastHttpStatusCode": 404, "publishTime": "t0",
        "lastDeliveryAttemptTime": "t1"}
    target = dead_letter_target({"endpointType": "StorageBlob", "properties": {
        "resourceId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/acct",
        "blobContainerName": "dl"}})
    assert target == ("acct", "dl")
    assert dead_letter_path("acct", "dl", "sub", "../../etc") == ("acct", "dl", "sub", ".._.._etc.json")
    assert dead_letter_target(None) is None
