"""Injected faults, and the SDK's own retry policy recovering from them."""

from __future__ import annotations

import time

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from emulator_support import EVENT_SUBS, SCOPE, create, raw

from amlevents.emulator.runtime.server import EmulatorServer

FAST = {"retry_backoff_factor": 0.05}


def statuses(server, method="GET", path=f"{EVENT_SUBS}/runs"):
    return [(r["status"], r.get("fault")) for r in server.app.requests() if r["method"] == method and r["path"] == path]


def test_throttling_is_retried_after_retry_after(emulator, eventgrid_client):
    client = eventgrid_client(emulator, **FAST)
    create(client, "runs")
    emulator.add_fault("throttle:count=1,retry_after=1,method=GET")
    started = time.monotonic()
    assert client.event_subscriptions.get(SCOPE, "runs").name == "runs"
    assert time.monotonic() - started >= 1.0
    assert statuses(emulator)[-2:] == [(429, "throttle"), (200, None)]


def test_throttle_answer_is_arm_too_many_requests(emulator):
    emulator.add_fault("throttle:count=1,retry_after=3")
    response = raw(emulator, "GET", EVENT_SUBS)
    assert (response.status_code, response.headers["Retry-After"]) == (429, "3")
    assert response.json()["error"]["code"] == "TooManyRequests"


@pytest.mark.parametrize(("spec", "status", "code"), [("error500:count=1", 500, "InternalServerError"),
                                                      ("error503:count=1", 503, "ServiceUnavailable")])
def test_server_errors_are_retried(emulator, eventgrid_client, spec, status, code):
    client = eventgrid_client(emulator, **FAST)
    create(client, "runs")
    emulator.add_fault(spec)
    assert raw(emulator, "GET", EVENT_SUBS).json()["error"]["code"] == code
    emulator.add_fault(spec)
    assert client.event_subscriptions.get(SCOPE, "runs").name == "runs"
    assert statuses(emulator)[-2:] == [(status, spec.split(":")[0]), (200, None)]


def test_a_failed_put_is_retried(emulator, eventgrid_client):
    emulator.add_fault("error500:count=1,method=PUT")
    assert create(eventgrid_client(emulator, **FAST), "runs").provisioning_state == "Succeeded"
    assert [s for s, _ in statuses(emulator, "PUT")] == [500, 201]


def test_a_dropped_connection_is_retried(emulator, eventgrid_client):
    client = eventgrid_client(emulator, **FAST)
    create(client, "runs")
    emulator.add_fault("drop:count=1,method=GET")
    assert client.event_subscriptions.get(SCOPE, "runs").name == "runs"
    assert statuses(emulator)[-2:] == [(None, "drop"), (200, None)]


def test_a_dropped_connection_sends_no_answer(emulator):
    emulator.add_fault("drop:count=1")
    with pytest.raises(requests.ConnectionError):
        raw(emulator, "GET", EVENT_SUBS)


def test_fail_operation_makes_the_poller_raise_and_the_subscription_failed(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    emulator.add_fault("fail-operation:count=1")
    with pytest.raises(HttpResponseError):
        create(client, "runs")
    assert client.event_subscriptions.get(SCOPE, "runs").provisioning_state == "Failed"
    assert create(client, "runs").provisioning_state == "Succeeded"  # the count is used up


def test_fail_operation_is_not_used_up_by_reads(emulator, eventgrid_client):
    client = eventgrid_client(emulator)
    emulator.add_fault("fail-operation:count=1,method=PUT")
    assert list(client.event_subscriptions.list_by_resource(
        "amlevents-local", "Microsoft.MachineLearningServices", "workspaces", "local-workspace")) == []
    with pytest.raises(HttpResponseError):
        create(client, "runs")


def test_latency_delays_every_request(emulator):
    emulator.app.latency_ms = 150
    started = time.monotonic()
    raw(emulator, "GET", EVENT_SUBS)
    assert time.monotonic() - started >= 0.15


def test_faults_given_at_start(tmp_path):
    with EmulatorServer(faults=["error503:count=1"], cert_dir=tmp_path) as server:
        assert raw(server, "GET", EVENT_SUBS).status_code == 503
        assert raw(server, "GET", EVENT_SUBS).status_code == 200
