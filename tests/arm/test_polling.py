"""AdaptivePolling: an immediate first check, then the SCHEDULE of delays, staying at its last; Retry-After wins."""

from __future__ import annotations

import json
import time

import pytest
import requests
from azure.core import PipelineClient
from azure.core.pipeline import PipelineResponse
from azure.core.pipeline.transport import (
    HttpRequest,
    HttpTransport,
    RequestsTransportResponse,
)
from azure.core.polling import LROPoller

from amlevents.arm.polling import (
    POLL_FAILURES_TOLERATED,
    SCHEDULE,
    AdaptivePolling,
    StatusUnreadable,
)
from amlevents.arm.retry import (
    MAX_RETRY_AFTER,
    BoundedRetryPolicy,
    CommandTimedOut,
    Deadline,
)

RESOURCE = "https://management.example/subscriptions/s/eventSubscriptions/runs?api-version=1"
STATUS = "https://management.example/operationsStatus/op-1?api-version=1"


def http_response(request, status=200, body=None, headers=None):
    raw = requests.Response()
    raw.status_code, raw.reason = status, "OK"
    raw._content = json.dumps(body).encode() if body is not None else b""
    raw.headers.update({"Content-Type": "application/json", **(headers or {})})
    return RequestsTransportResponse(request, raw)


def pipeline_response(status=200, body=None, headers=None):
    request = HttpRequest("GET", STATUS)
    return PipelineResponse(request, http_response(request, status, body, headers), None)


class Replay(HttpTransport):
    """Answers status GETs from a list of operation statuses, then the resource; records the sleeps."""

    def __init__(self, statuses, headers=None):
        self.statuses, self.headers, self.sleeps = list(statuses), headers or {}, []

    def send(self, request, **kwargs):
        if "operationsStatus" in request.url:
            status = self.statuses.pop(0)
            if isinstance(status, int):  # an HTTP error status instead of an operation status
                return http_response(request, status, {"error": {"code": "X", "message": "x"}}, self.headers)
            return http_response(request, 200, {"status": status}, self.headers)
        return http_response(request, 200, {"name": "runs", "properties": {"provisioningState": "Succeeded"}})

    def sleep(self, duration):
        self.sleeps.append(duration)

    def open(self):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def run_operation(transport, polling, policies=None):
    client = PipelineClient("https://management.example", transport=transport, policies=policies)
    request = HttpRequest("PUT", RESOURCE, headers={"x-ms-client-request-id": "req-1"})
    initial = PipelineResponse(request, http_response(
        request, 201, {"properties": {"provisioningState": "Creating"}}, {"Azure-AsyncOperation": STATUS}), None)
    return LROPoller(client, initial, lambda r: json.loads(r.http_response.text()), polling).result(timeout=10)


def expected_sleeps(n):
    return [SCHEDULE[min(i, len(SCHEDULE) - 1)] for i in range(n)]


def test_the_schedule_starts_within_half_a_second_and_backs_off_to_a_few_seconds():
    assert SCHEDULE[0] <= 0.5
    assert list(SCHEDULE) == sorted(SCHEDULE)
    assert SCHEDULE[-1] == 3.0
    assert sum(SCHEDULE[:8]) < 4  # Event Grid usually provisions within seconds: look often at first


@pytest.mark.parametrize("polls", [1, 3, len(SCHEDULE) + 3])
def test_the_delay_follows_the_schedule_and_stays_at_its_last_step(polls):
    polling = AdaptivePolling()
    polling._pipeline_response = pipeline_response()
    assert [polling._extract_delay() for _ in range(polls)] == expected_sleeps(polls)


@pytest.mark.parametrize(
    ("headers", "delay"),
    [({"Retry-After": "7"}, 7.0), ({"retry-after-ms": "1500"}, 1.5), ({"x-ms-retry-after-ms": "40"}, 0.04)],
)
def test_retry_after_wins_over_the_schedule(headers, delay):
    polling = AdaptivePolling()
    polling._pipeline_response = pipeline_response(headers=headers)
    assert polling._extract_delay() == delay


def test_the_first_check_is_immediate_then_the_delays_grow():
    transport = Replay(["InProgress"] * 6 + ["Succeeded"])
    result = run_operation(transport, AdaptivePolling(schedule=(0.01, 0.02, 0.03)))
    assert result["properties"]["provisioningState"] == "Succeeded"
    assert transport.sleeps == [0.01, 0.02, 0.03, 0.03, 0.03, 0.03]


def test_retry_after_from_the_service_is_obeyed_while_polling():
    transport = Replay(["InProgress", "InProgress", "Succeeded"], headers={"Retry-After": "5"})
    run_operation(transport, AdaptivePolling())
    assert transport.sleeps == [5.0, 5.0]


def test_a_reused_instance_starts_the_schedule_over():
    polling = AdaptivePolling()
    run_operation(Replay(["InProgress"] * 4 + ["Succeeded"]), polling)
    second = Replay(["InProgress", "InProgress", "Succeeded"])
    run_operation(second, polling)
    assert second.sleeps == expected_sleeps(2)


@pytest.mark.parametrize("status", ["AwaitingManualAction", "awaitingmanualaction"])
def test_awaiting_manual_action_counts_as_finished(status):
    transport = Replay(["InProgress", status])
    run_operation(transport, AdaptivePolling())
    assert transport.sleeps == expected_sleeps(1)


# --- failed status checks, capped waits, the deadline ----------------------------------------------------------

NO_RETRY = [BoundedRetryPolicy(retry_total=0)]  # the poller's own tolerance, without the pipeline's retries


def test_failed_status_checks_are_asked_again_until_the_operation_is_done():
    transport = Replay(["InProgress", 500, 503, "Succeeded"])
    result = run_operation(transport, AdaptivePolling(schedule=(0.01,)), NO_RETRY)
    assert result["properties"]["provisioningState"] == "Succeeded"
    assert transport.statuses == []


def test_status_that_stays_unreadable_ends_with_status_unreadable():
    transport = Replay([500] * (POLL_FAILURES_TOLERATED + 1) + ["Succeeded"])
    with pytest.raises(StatusUnreadable) as caught:
        run_operation(transport, AdaptivePolling(schedule=(0.01,)), NO_RETRY)
    assert caught.value.status == 500
    assert transport.statuses == ["Succeeded"]


def test_a_status_check_that_says_failed_is_not_tolerated():
    from azure.core.exceptions import HttpResponseError

    with pytest.raises(HttpResponseError):
        run_operation(Replay([500, "Failed"]), AdaptivePolling(schedule=(0.01,)), NO_RETRY)


def test_a_long_retry_after_while_polling_is_capped_and_announced():
    said = []
    transport = Replay(["InProgress", "Succeeded"], headers={"Retry-After": "3600"})
    run_operation(transport, AdaptivePolling(max_wait=7, notice=said.append))
    assert transport.sleeps == [7]
    assert said and said[0].startswith("Azure asked to wait 3600 s (operation in progress), waiting 7 s")


def test_a_poll_delay_past_the_deadline_raises_command_timed_out():
    transport = Replay(["InProgress", "Succeeded"], headers={"Retry-After": "30"})
    with pytest.raises(CommandTimedOut):
        run_operation(transport, AdaptivePolling(deadline=Deadline(5)))
    assert transport.sleeps == []


class Throttled(Replay):
    """429 with ``Retry-After`` for the first ``times`` requests, then 200."""

    def __init__(self, times, retry_after="3600"):
        super().__init__([])
        self.times, self.retry_after = times, retry_after

    def send(self, request, **kwargs):
        if self.times:
            self.times -= 1
            return http_response(request, 429, {"error": {"code": "TooManyRequests", "message": "slow down"}},
                                 {"Retry-After": self.retry_after})
        return http_response(request, 200, {"ok": True})


def send_through(policy, transport):
    client = PipelineClient("https://management.example", transport=transport, policies=[policy])
    return client._pipeline.run(HttpRequest("GET", RESOURCE)).http_response.status_code


def test_retry_after_is_capped_at_the_documented_maximum_and_announced():
    said, transport = [], Throttled(1)
    assert send_through(BoundedRetryPolicy(notice=said.append), transport) == 200
    assert transport.sleeps == [MAX_RETRY_AFTER] and MAX_RETRY_AFTER == 60
    assert said[0].startswith("Azure asked to wait 3600 s (throttled), waiting 60 s (the maximum")
    assert "; retrying at " in said[0]


def test_a_short_retry_after_is_obeyed_as_sent():
    transport = Throttled(2, retry_after="2")
    assert send_through(BoundedRetryPolicy(), transport) == 200
    assert transport.sleeps == [2, 2]


def test_a_wait_past_the_deadline_fails_at_once_instead_of_sleeping():
    transport = Throttled(1)
    with pytest.raises(CommandTimedOut, match="Azure asked to wait 3600 s"):
        send_through(BoundedRetryPolicy(deadline=Deadline(2)), transport)
    assert transport.sleeps == []


def test_retries_stop_when_azure_keeps_throttling():
    transport = Throttled(100, retry_after="1")
    assert send_through(BoundedRetryPolicy(), transport) == 429
    assert len(transport.sleeps) == 3  # azure-core's status retries


# --- against the emulator -------------------------------------------------------------------------------------

SCOPE = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlevents-local/providers/"
         "Microsoft.MachineLearningServices/workspaces/local-workspace")


def webhook(url="https://hooks.example.com/api/events?code=s3cret"):
    from azure.mgmt.eventgrid.models import (
        EventSubscription,
        WebHookEventSubscriptionDestination,
    )

    return EventSubscription(destination=WebHookEventSubscriptionDestination(endpoint_url=url))


def status_polls(server):
    return [r for r in server.app.requests() if r["method"] == "GET" and "/operation" in r["path"]]


def test_a_create_that_takes_a_second_is_seen_within_two_and_a_half(emulator, eventgrid_client):
    emulator.backend.provisioning_delay = 1.2
    client = eventgrid_client(emulator, polling_interval=30)
    start = time.monotonic()
    created = client.event_subscriptions.begin_create_or_update(
        SCOPE, "runs", webhook(), polling=AdaptivePolling()).result()
    assert time.monotonic() - start < 2.5
    assert created.provisioning_state == "Succeeded"
    assert 2 <= len(status_polls(emulator)) <= 6


def test_a_webhook_awaiting_manual_validation_does_not_block(emulator, eventgrid_client):
    client = eventgrid_client(emulator, polling_interval=30)
    poller = client.event_subscriptions.begin_create_or_update(
        SCOPE, "runs", webhook("https://hook.manual.invalid/x"), polling=AdaptivePolling())
    poller.wait(timeout=10)
    assert poller.done()
    assert poller.result().provisioning_state == "AwaitingManualAction"
