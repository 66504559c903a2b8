"""Writes paced per Azure subscription (arm/pacing.py): the token bucket, ARM's remaining-writes header, and an
apply under the emulator's ARM-like throttling."""

from __future__ import annotations

import pytest
from ids import SUBSCRIPTION_ID as SUB

from amlevents.arm.pacing import TokenBucket, WritePacer


class FakeClock:
    """A clock that moves only when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_burst_is_spent_without_waiting(clock):
    bucket = TokenBucket(5, 1, clock=clock, sleep=clock.sleep)
    assert sum(bucket.take() for _ in range(5)) == 0
    assert clock.now == 0


def test_after_the_burst_writes_go_at_the_refill_rate(clock):
    bucket = TokenBucket(5, 10, clock=clock, sleep=clock.sleep)
    for _ in range(25):
        bucket.take()
    assert clock.now == pytest.approx(2.0)  # 20 writes beyond the burst at 10 a second


def test_subscriptions_have_their_own_buckets(clock):
    pacer = WritePacer(2, 1, clock=clock, sleep=clock.sleep)
    for sub in ("a", "b", "A"):
        pacer.before_write(sub)
    assert clock.now == 0  # "A" is "a"'s second token, "b" has its own
    pacer.before_write("a")
    assert clock.now == pytest.approx(1.0)


@pytest.mark.parametrize(("headers", "tokens"), [
    ({"x-ms-ratelimit-remaining-subscription-writes": "3"}, 3),
    ({"X-MS-RateLimit-Remaining-Subscription-Writes": "0"}, 0),
    ({"x-ms-ratelimit-remaining-subscription-writes": "many"}, 10),  # unreadable: ignored
    ({}, 10),
    (None, 10),
])
def test_arm_remaining_writes_header_replaces_the_estimate(clock, headers, tokens):
    pacer = WritePacer(10, 1, clock=clock, sleep=clock.sleep)
    pacer.after_write("a", headers)
    assert pacer.bucket("a").tokens == tokens


def test_deletes_have_their_own_bucket(clock):
    pacer = WritePacer(2, 1, clock=clock, sleep=clock.sleep)
    pacer.before_write("a")
    pacer.after_write("a", {"x-ms-ratelimit-remaining-subscription-deletes": "0"}, "deletes")
    assert (pacer.bucket("a").tokens, pacer.bucket("a", "deletes").tokens) == (1, 0)


def test_writes_still_in_flight_are_not_counted_twice(clock):
    """ARM's count does not know the writes sent after the one it answers: they are taken off it."""
    pacer = WritePacer(10, 1, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        pacer.before_write("a")
    pacer.after_write("a", {"x-ms-ratelimit-remaining-subscription-writes": "5"})
    assert pacer.bucket("a").tokens == 3  # two writes still in flight


def test_an_empty_bucket_reported_by_arm_makes_the_next_write_wait(clock):
    pacer = WritePacer(200, 10, clock=clock, sleep=clock.sleep)
    pacer.after_write("a", {"x-ms-ratelimit-remaining-subscription-writes": "0"})
    assert pacer.before_write("a") == pytest.approx(0.1)


# --- an apply under the emulator's ARM-like throttling -----------------------------------------------------------

WRITES = 30


@pytest.fixture
def throttled(cli_emulator):
    """The emulator with ARM's write bucket shrunk to 5, refilled 20 a second (reads and deletes unthrottled)."""
    cli_emulator.app.throttle.configure({"writes": {"burst": 5, "perSecond": 20}})
    yield cli_emulator
    cli_emulator.app.throttle.configure(False)


def _manifest(tmp_path, count: int):
    subs = "".join(f"      - {{name: paced-{n:02d}, destination: {{endpoint: 'https://example.com/h'}}}}\n"
                   for n in range(count))
    path = tmp_path / "many.yaml"
    path.write_text("version: 1\nworkspaces:\n  - name: local-workspace\n    resourceGroup: amlevents-local\n"
                    f"    subscriptions:\n{subs}")
    return str(path)


def test_apply_under_throttling_loses_no_write(run, throttled, tmp_path):
    result = run("apply", "-f", _manifest(tmp_path, WRITES), "--yes", "-o", "json")
    assert result.exit_code == 0, result.stderr
    puts = [r for r in throttled.app.requests() if r["method"] == "PUT"]
    succeeded = {r["path"] for r in puts if r["status"] < 300}
    assert len(succeeded) == WRITES  # 0 failed writes
    assert {r["path"] for r in puts if r["status"] == 429} <= succeeded  # every throttled write was retried


def _other_writer(server, name: str):
    """A PUT by another client acting as the same principal (owner), straight to the emulator."""
    import requests

    from amlevents.emulator.identity.tokens import mint_token

    url = (f"{server.url}/subscriptions/{SUB}/resourceGroups/amlevents-local/providers/"
           f"Microsoft.MachineLearningServices/workspaces/local-workspace/providers/Microsoft.EventGrid/"
           f"eventSubscriptions/{name}")
    body = {"properties": {"destination": {"endpointType": "WebHook",
                                           "properties": {"endpointUrl": "https://example.com/h"}}}}
    token = mint_token(server.principals["owner"], server.tenant_id)
    return requests.put(url, params={"api-version": "2025-02-15"}, json=body, timeout=30,
                        headers={"Authorization": f"Bearer {token}"}, verify=server.ca_cert_path)


def test_throttled_writes_are_announced_on_stderr(run, throttled, tmp_path):
    # Another writer (this test, as the same principal) empties the bucket first, so the apply's first write meets
    # a 429 before the client has seen any remaining-writes header: what a shared subscription looks like.
    throttled.app.throttle.configure({"writes": {"burst": 1, "perSecond": 2}})
    manifest = _manifest(tmp_path, 3)
    drained = [_other_writer(throttled, f"other-writer-{n}") for n in range(3)]
    assert 429 in [r.status_code for r in drained]
    result = run("apply", "-f", manifest, "--yes", "-o", "json")
    assert result.exit_code == 0, result.stderr
    throttled_puts = [r for r in throttled.app.requests() if r["method"] == "PUT" and r["status"] == 429
                      and "/paced-" in r["path"]]
    assert throttled_puts
    assert "Azure asked to wait" in result.stderr and "throttled" in result.stderr


def test_pacing_follows_arm_remaining_writes(run, throttled, tmp_path):
    """Once ARM reports the bucket empty, each write waits for a token instead of meeting a 429 (one write in
    flight, so no answer is outrun by another write)."""
    result = run("apply", "-f", _manifest(tmp_path, WRITES), "--yes", "--concurrency", "1", "-o", "none")
    assert result.exit_code == 0, result.stderr
    assert [r for r in throttled.app.requests() if r["status"] == 429] == []


def test_try_take_says_how_long_to_wait_and_takes_nothing_then(clock):
    bucket = TokenBucket(2, 4, clock=clock, sleep=clock.sleep)
    assert [bucket.try_take() for _ in range(3)] == [(0.0, 1), (0.0, 2), (pytest.approx(0.25), None)]
    assert bucket.in_flight == 2 and clock.now == 0  # the third took nothing and slept nothing
    clock.now = 0.25
    assert bucket.try_take() == (0.0, 3)


def test_answers_with_explicit_tickets_from_one_thread_learn_as_threads_do(clock):
    # coroutines on one thread hand try_take's tickets to answered: ARM's counts are matched to the right writes
    bucket = TokenBucket(200, 10, clock=clock, sleep=clock.sleep)
    tickets = [bucket.try_take()[1] for _ in range(3)]
    bucket.answered(2, ticket=tickets[1])  # the second write's answer came first: 2 left, less the 2 in flight
    assert bucket.capacity == 3 and bucket.tokens == pytest.approx(0)
    bucket.answered(3, ticket=tickets[0])  # the first's, older (3 left then): it may lower the estimate, not raise it
    assert bucket.capacity == 4 and bucket.in_flight == 1 and bucket.tokens == pytest.approx(0)
    bucket.answered(None, ticket=None)  # a read sent without a token: nothing was in flight for it
    assert bucket.in_flight == 1
