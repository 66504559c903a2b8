"""PollScheduler: every operation in flight driven from one thread, timed from the learnt completion; failed checks
tolerated and settled; Retry-After honoured and bounded by the deadline."""

from __future__ import annotations

import json
import time
import threading

import pytest
from azure.core import PipelineClient
from azure.core.pipeline import PipelineResponse
from azure.core.pipeline.transport import HttpRequest
from azure.core.polling import LROPoller, NoPolling

from amlevents.arm.outcome import settle
from amlevents.arm.polling import AdaptivePolling
from amlevents.arm.retry import CommandTimedOut, Deadline
from amlevents.arm.scheduler import PollScheduler
from tests.arm.test_polling import (
    RESOURCE,
    STATUS,
    Replay,
    http_response,
    status_polls,
    webhook,
)

SCOPE = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlevents-local/providers/"
         "Microsoft.MachineLearningServices/workspaces/local-workspace")


def start_creates(emulator, eventgrid_client, scheduler, count):
    """``count`` creates started without a poller, each watched by ``scheduler``."""
    client = eventgrid_client(emulator)
    return [scheduler.watch(client.event_subscriptions.begin_create_or_update(
        SCOPE, f"runs-{i:02d}", webhook(), polling=False), AdaptivePolling(), client._client) for i in range(count)]


@pytest.fixture
def threads_started(monkeypatch):
    """The number of threads started so far (a list of one count)."""
    started = [0]
    original = threading.Thread.start

    def counting(self):
        started[0] += 1
        original(self)

    monkeypatch.setattr(threading.Thread, "start", counting)
    return started


def test_twenty_operations_are_driven_by_one_thread_and_each_settles(emulator, eventgrid_client, threads_started):
    emulator.backend.provisioning_delay = 0.3
    scheduler = PollScheduler(senders=1)
    watches = start_creates(emulator, eventgrid_client, scheduler, 20)
    before = threads_started[0]
    scheduler.run()
    assert threads_started[0] == before  # no poller thread per operation, no pool either
    assert [w.result().provisioning_state for w in watches] == ["Succeeded"] * 20


def test_the_others_are_checked_when_the_first_says_they_are_done(emulator, eventgrid_client):
    emulator.backend.provisioning_delay = 0.5
    scheduler = PollScheduler()
    watches = start_creates(emulator, eventgrid_client, scheduler, 20)
    scheduler.run()
    assert all(w.done and w.error is None for w in watches)
    # one operation is checked often until it is done; the other 19 are then checked about once each
    assert len(status_polls(emulator)) < 2 * 20


def test_without_a_final_get_the_result_is_the_answer_with_the_final_state(emulator, eventgrid_client):
    scheduler = PollScheduler(senders=1)
    client = eventgrid_client(emulator)
    poller = client.event_subscriptions.begin_create_or_update(SCOPE, "runs", webhook(), polling=False)
    watch = scheduler.watch(poller, AdaptivePolling(), client._client, final_get=False)
    scheduler.run()
    assert watch.result()["properties"]["provisioningState"] == "Succeeded"
    assert not [r for r in emulator.app.requests() if r["method"] == "GET" and r["path"].endswith("/runs")]


@pytest.mark.parametrize(("failures", "notice"), [(1, False), (20, True)], ids=["tolerated", "settled by a read"])
def test_a_status_that_cannot_be_read_still_settles(emulator, eventgrid_client, failures, notice):
    emulator.app.faults.add(f"error500:count={failures},path=/operationsStatus")
    client = eventgrid_client(emulator, retry_total=0)
    poller = client.event_subscriptions.begin_create_or_update(SCOPE, "runs", webhook(), polling=False)
    scheduler = PollScheduler(senders=1)
    watch = scheduler.watch(poller, AdaptivePolling(schedule=(0.05,)), client._client)
    scheduler.run()
    said = []

    def read():
        return json.loads(client.event_subscriptions.get(SCOPE, "runs", cls=lambda r, _d, _h: r.http_response.text()))

    resource = settle(watch, action="create", name="runs", read=read, notice=said.append)
    assert (resource["properties"]["provisioningState"] if notice else resource.provisioning_state) == "Succeeded"
    assert bool(said) is notice


# --- Retry-After, with a fake clock ----------------------------------------------------------------------------

class Clock:
    """A clock that moves only when the scheduler sleeps."""

    def __init__(self):
        self.now, self.sleeps = 0.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def replay_watch(scheduler, statuses, headers):
    client = PipelineClient("https://management.example", transport=Replay(statuses, headers))
    request = HttpRequest("PUT", RESOURCE, headers={"x-ms-client-request-id": "req-1"})
    initial = PipelineResponse(request, http_response(
        request, 201, {"properties": {"provisioningState": "Creating"}}, {"Azure-AsyncOperation": STATUS}), None)
    poller = LROPoller(client, initial, lambda r: json.loads(r.http_response.text()), NoPolling())
    return scheduler.watch(poller, AdaptivePolling(max_wait=60), client)


def test_retry_after_on_a_status_sets_the_next_check():
    clock = Clock()
    scheduler = PollScheduler(senders=1, clock=clock, sleep=clock.sleep)
    watch = replay_watch(scheduler, ["InProgress", "InProgress", "Succeeded"], {"Retry-After": "7"})
    scheduler.run()
    assert clock.sleeps == [7.0, 7.0]
    assert watch.result()["properties"]["provisioningState"] == "Succeeded"


def test_a_retry_after_past_the_deadline_ends_the_wait_as_timed_out():
    clock = Clock()
    scheduler = PollScheduler(senders=1, clock=clock, sleep=clock.sleep, deadline=Deadline(5))
    watch = replay_watch(scheduler, ["InProgress", "Succeeded"], {"Retry-After": "30"})
    scheduler.run()
    assert clock.sleeps == []
    with pytest.raises(CommandTimedOut):
        watch.result()


def test_a_check_sent_late_teaches_no_duration(emulator, eventgrid_client):
    # thousands due at once: a check that leaves 10 s after it was due only shows the operation was done by then;
    # learnt as its duration, every later operation was first checked 10 s after its acceptance
    late = [0.0]
    scheduler = PollScheduler(senders=1, clock=lambda: time.monotonic() + late[0])
    client = eventgrid_client(emulator)
    poller = client.event_subscriptions.begin_create_or_update(SCOPE, "late", webhook(), polling=False)
    watch = scheduler.watch(poller, AdaptivePolling(), client._client, accepted_at=time.monotonic())
    late[0] = 10.0  # the scheduler gets to it 10 s after it was due
    scheduler.run()
    assert watch.done and watch.error is None
    assert scheduler._learnt["write"].target() is None


def test_a_check_sent_on_time_teaches_the_duration(emulator, eventgrid_client):
    scheduler = PollScheduler(senders=1)
    client = eventgrid_client(emulator)
    poller = client.event_subscriptions.begin_create_or_update(SCOPE, "on-time", webhook(), polling=False)
    scheduler.watch(poller, AdaptivePolling(), client._client)
    scheduler.run()
    assert scheduler._learnt["write"].target() is not None
