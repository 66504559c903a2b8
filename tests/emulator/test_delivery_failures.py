"""Failed deliveries over real HTTPS: the retry schedule (time-scaled), dead-lettering, and handlers that
misbehave (redirect, hang, 10 MB answer, garbage, nobody listening) — each a documented outcome, none a hang."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import requests
from delivery_support import (
    GarbageServer,
    compressed,
    publish,
    receivers,
    settled,
    subscribe,
)

STORAGE = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlevents-local/providers/"
           "Microsoft.Storage/storageAccounts/deadletters")
DEAD_LETTER = {"endpointType": "StorageBlob", "properties": {"resourceId": STORAGE, "blobContainerName": "dlq"}}


@pytest.fixture
def fast(emulator):
    yield from compressed(emulator)


@pytest.fixture
def hook(fast):
    yield from receivers(fast)

def _one(fast, name: str, url: str, *, validate: bool = True, **properties) -> dict:
    subscribe(fast, name, url, validate=validate, **properties)
    [record] = settled(fast, publish(fast, type="ModelRegistered").json()["publishId"])
    return record


def test_retries_on_the_schedule_then_dead_letters_with_the_fields(fast, hook):
    receiver = hook(statuses=[500])
    record = _one(fast, "flaky", receiver.url, retryPolicy={"maxDeliveryAttempts": 3},
                  deadLetterDestination=DEAD_LETTER)
    assert [r.headers["aeg-delivery-count"] for r in receiver.wait_for(3)] == ["0", "1", "2"]
    assert (record["outcome"], record["reason"], len(record["attempts"])) == (
        "deadLettered", "MaxDeliveryAttemptsExceeded", 3)
    letter = json.loads(Path(record["deadLetterFile"]).read_text())
    assert Path(record["deadLetterFile"]).parts[-4:] == ("deadletters", "dlq", "flaky", f"{letter['id']}.json")
    assert {k: letter[k] for k in ("deadLetterReason", "deliveryAttempts", "lastDeliveryOutcome",
                                   "lastHttpStatusCode")} == {
        "deadLetterReason": "MaxDeliveryAttemptsExceeded", "deliveryAttempts": 3,
        "lastDeliveryOutcome": "GenericError", "lastHttpStatusCode": 500}
    assert letter["publishTime"] <= letter["lastDeliveryAttemptTime"]


def test_a_retry_that_succeeds_is_delivered(fast, hook):
    receiver = hook(statuses=[503, 200])
    record = _one(fast, "recovers", receiver.url)
    assert record["outcome"] == "delivered"
    assert [a["status"] for a in record["attempts"]] == [503, 200]


@pytest.mark.parametrize("status", [400, 413])
def test_bad_request_and_too_large_dead_letter_at_once(fast, hook, status):
    record = _one(fast, "rejects", hook(statuses=[status]).url, deadLetterDestination=DEAD_LETTER)
    assert (record["outcome"], len(record["attempts"])) == ("deadLettered", 1)
    assert json.loads(Path(record["deadLetterFile"]).read_text())["lastHttpStatusCode"] == status


@pytest.mark.parametrize("status", [401, 403])
def test_unauthorized_is_not_retried_and_dropped_without_dead_letter(fast, hook, status):
    receiver = hook(statuses=[status, 200])
    record = _one(fast, "denies", receiver.url)
    assert (record["outcome"], len(record["attempts"])) == ("dropped", 1)
    assert "no dead-letter destination" in record["reason"]


def test_time_to_live_ends_retries(fast, hook):
    # 1 minute to live: attempts at 0, 10 s and 40 s; the next (1 minute later) would be past it. A slower scale
    # than the fixture's, so that the attempts' own real time barely counts in emulated seconds.
    fast.delivery.clock.scale = 0.01
    record = _one(fast, "shortlived", hook(statuses=[500]).url, retryPolicy={"eventTimeToLiveInMinutes": 1})
    assert record["outcome"] == "dropped" and record["reason"].startswith("TimeToLiveExceeded")


def test_a_redirect_is_a_failure_not_followed(fast, hook):
    record = _one(fast, "moved", hook(behave="redirect").url, retryPolicy={"maxDeliveryAttempts": 1})
    assert (record["outcome"], record["attempts"][0]["status"]) == ("dropped", 302)


def test_a_hanging_handler_times_out_and_the_emulator_still_answers(fast, hook):
    record = _one(fast, "hangs", hook(behave="hang").url, retryPolicy={"maxDeliveryAttempts": 1})
    assert (record["attempts"][0]["status"], record["attempts"][0]["outcome"]) == (None, "TimedOut")
    assert requests.get(f"{fast.url}/_emulator/info", verify=fast.ca_cert_path, timeout=10).status_code == 200


def test_a_10_mb_answer_is_read_only_in_part(fast, hook):
    record = _one(fast, "chatty", hook(behave="huge").url)
    assert (record["outcome"], record["attempts"][0]["status"]) == ("delivered", 200)


def test_a_garbage_answer_is_a_failure(fast):
    garbage = GarbageServer(fast)
    try:
        record = _one(fast, "garbage", garbage.url, validate=False, retryPolicy={"maxDeliveryAttempts": 1})
    finally:
        garbage.close()
    assert (record["outcome"], record["attempts"][0]["status"]) == ("dropped", None)
    assert record["attempts"][0]["outcome"] == "GenericError" and record["attempts"][0]["error"]


def test_an_unreachable_endpoint_is_retried_then_dropped(fast):
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]  # closed below: nobody listens there
    record = _one(fast, "nobody", f"https://127.0.0.1:{port}/hook", validate=False,
                  retryPolicy={"maxDeliveryAttempts": 2})
    assert (record["outcome"], [a["status"] for a in record["attempts"]]) == ("dropped", [None, None])


def test_secrets_stay_out_of_the_log_and_the_dead_letter(fast, hook):
    receiver = hook(statuses=[400])
    url = receiver.url + "?code=sup3rsecretcode"
    record = _one(fast, "secretive", url, deadLetterDestination=DEAD_LETTER, destination={
        "deliveryAttributeMappings": [{"name": "x-key", "type": "Static",
                                       "properties": {"value": "attr-s3cret", "isSecret": True}}]})
    log = requests.get(f"{fast.url}/_emulator/deliveries", verify=fast.ca_cert_path).text
    letter = Path(record["deadLetterFile"]).read_text()
    assert receiver.wait_for(1)[0].headers["x-key"] == "attr-s3cret"  # the handler does get them
    for secret in ("sup3rsecretcode", "attr-s3cret"):
        assert secret not in log and secret not in letter
    assert record["endpoint"] == receiver.url
