"""ARM-like throttling: token buckets per Azure subscription and principal, 429 with Retry-After, the remaining
counts on every answer; off by default, on with `emulator serve --arm-throttling` or the admin config."""

from __future__ import annotations

import pytest
from emulator_support import EVENT_SUBS, raw, webhook_body
from fleet_support import FLEET1, serve_fleet

from amlevents.emulator.runtime.errors import ArmError
from amlevents.emulator.runtime.throttling import ArmThrottle, Rate

SUB = "00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    yield from serve_fleet(tmp_path_factory)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(clock: Clock, **rates: Rate) -> ArmThrottle:
    return ArmThrottle(True, rates, clock)


def test_a_bucket_spends_its_burst_then_refills_at_its_rate():
    clock = Clock()
    buckets = throttle(clock, writes=Rate(2, 4.0))
    assert buckets.take(SUB, "me", "PUT") == {"x-ms-ratelimit-remaining-subscription-writes": "1"}
    assert buckets.take(SUB, "me", "PATCH") == {"x-ms-ratelimit-remaining-subscription-writes": "0"}
    with pytest.raises(ArmError) as empty:
        buckets.take(SUB, "me", "POST")
    assert (empty.value.status, empty.value.code) == (429, "TooManyRequests")
    clock.now += 0.25  # one token back at 4 per second
    assert buckets.take(SUB, "me", "PUT") == {"x-ms-ratelimit-remaining-subscription-writes": "0"}


@pytest.mark.parametrize(("per_second", "retry_after"), [(0.25, "4"), (0.5, "2"), (20.0, "1")])
def test_retry_after_is_the_seconds_until_a_token(per_second, retry_after):
    buckets = throttle(Clock(), deletes=Rate(1, per_second))
    buckets.take(SUB, "me", "DELETE")
    with pytest.raises(ArmError) as empty:
        buckets.take(SUB, "me", "DELETE")
    assert empty.value.headers["Retry-After"] == retry_after


def test_buckets_are_per_subscription_principal_and_kind():
    buckets = throttle(Clock(), writes=Rate(1, 1.0))
    buckets.take(SUB, "me", "PUT")
    assert buckets.take(FLEET1, "me", "PUT")  # another subscription
    assert buckets.take(SUB, "someone-else", "PUT")  # another principal
    assert buckets.take(SUB, "me", "GET") == {"x-ms-ratelimit-remaining-subscription-reads": "249"}
    assert buckets.take(SUB, "me", "DELETE") == {"x-ms-ratelimit-remaining-subscription-deletes": "199"}
    with pytest.raises(ArmError):
        buckets.take(SUB, "me", "PUT")


def test_a_bucket_never_holds_more_than_its_burst():
    clock = Clock()
    buckets = throttle(clock, reads=Rate(3, 100.0))
    buckets.take(SUB, "me", "GET")
    clock.now += 3600
    assert buckets.take(SUB, "me", "GET") == {"x-ms-ratelimit-remaining-subscription-reads": "2"}


def test_off_by_default_nothing_is_counted_or_reported(emulator):
    assert emulator.app.throttle.enabled is False
    answer = raw(emulator, "GET", EVENT_SUBS)
    assert answer.status_code == 200
    assert not any(h.startswith("x-ms-ratelimit") for h in answer.headers)


@pytest.fixture
def slow_writes(emulator):
    """Throttling on with 3 writes per subscription, and refills too slow to show during a test."""
    answer = raw(emulator, "PUT", "/_emulator/config", token=None, params={},
                 body={"armThrottling": {"writes": {"burst": 3, "perSecond": 0.001},
                                         "reads": {"burst": 250, "perSecond": 0.001}}})
    assert answer.json()["armThrottling"]["enabled"] is True
    yield emulator
    emulator.app.throttle.configure({"enabled": False, "reads": {"burst": 250, "perSecond": 25},
                                     "writes": {"burst": 200, "perSecond": 10}})


def test_an_empty_bucket_answers_429_in_arms_format(slow_writes):
    remaining = [raw(slow_writes, "PUT", f"{EVENT_SUBS}/s{i}", body=webhook_body())
                 .headers["x-ms-ratelimit-remaining-subscription-writes"] for i in range(3)]
    assert remaining == ["2", "1", "0"]
    refused = raw(slow_writes, "PUT", f"{EVENT_SUBS}/s4", body=webhook_body())
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "TooManyRequests"
    assert 900 < int(refused.headers["Retry-After"]) <= 1000  # a token comes back every 1000 s
    assert refused.headers["x-ms-ratelimit-remaining-subscription-writes"] == "0"


def test_reads_carry_their_own_remaining_count(slow_writes):
    first = raw(slow_writes, "GET", EVENT_SUBS).headers["x-ms-ratelimit-remaining-subscription-reads"]
    second = raw(slow_writes, "GET", EVENT_SUBS).headers["x-ms-ratelimit-remaining-subscription-reads"]
    assert (int(first), int(second)) == (249, 248)


def test_a_refused_request_still_reports_the_bucket(slow_writes):
    denied = raw(slow_writes, "PUT", f"{EVENT_SUBS}/x", token="reader", body=webhook_body())
    assert denied.status_code == 403
    assert denied.headers["x-ms-ratelimit-remaining-subscription-writes"] == "2"


def test_reset_fills_the_buckets(slow_writes):
    for i in range(3):
        raw(slow_writes, "PUT", f"{EVENT_SUBS}/s{i}", body=webhook_body())
    raw(slow_writes, "POST", "/_emulator/reset", token=None, params={})
    assert raw(slow_writes, "PUT", f"{EVENT_SUBS}/again", body=webhook_body()).status_code == 201


def test_each_subscription_of_a_fleet_has_its_own_buckets(fleet):
    fleet.app.throttle.configure({"writes": {"burst": 1, "perSecond": 0.001}})
    try:
        scope = ("/subscriptions/{}/resourceGroups/fleet-rg-1/providers/Microsoft.MachineLearningServices/"
                 "workspaces/{}/providers/Microsoft.EventGrid/eventSubscriptions/new")
        assert raw(fleet, "PUT", scope.format(FLEET1, "fleet1-ws1"), body=webhook_body()).status_code == 201
        assert raw(fleet, "PUT", scope.format(FLEET1, "fleet1-ws3"), body=webhook_body()).status_code == 429
        fleet2 = FLEET1[:-1] + "2"
        assert raw(fleet, "PUT", scope.format(fleet2, "fleet2-ws1"), body=webhook_body()).status_code == 201
    finally:
        fleet.app.throttle.configure({"enabled": False, "writes": {"burst": 200, "perSecond": 10}})
        fleet.backend.reset()


@pytest.mark.parametrize("value", ["yes", {"writes": {"burst": 0}}, {"writes": {"perSecond": -1}},
                                   {"reads": 5}, {"colour": 1}, {"enabled": "on"}])
def test_bad_throttling_config_is_refused(emulator, value):
    answer = raw(emulator, "PUT", "/_emulator/config", token=None, params={}, body={"armThrottling": value})
    assert answer.status_code == 400
    assert emulator.app.throttle.enabled is False


def test_serve_offers_the_option(run):
    result = run("emulator", "serve", "--help")
    assert "--arm-throttling" in result.output
