"""The pacer learns ARM's write bucket (arm/pacing.py): its size and refill rate from the remaining-writes counts,
driven against the emulator's own bucket (emulator/runtime/throttling.py) on one injected clock, no sleeps."""

from __future__ import annotations

import threading

import pytest

from amlevents.arm.pacing import WRITE_BURST, WRITE_RATE, WritePacer
from amlevents.emulator.runtime.errors import ArmError
from amlevents.emulator.runtime.throttling import ArmThrottle, Rate
from tests.arm.test_pacing import FakeClock

SUB = "f1ee7000-0000-4000-8000-000000000001"
LATENCY = 0.01  # seconds a request travels before ARM counts it


Clock = FakeClock  # one clock for the client and ARM; it moves only when something sleeps on it


class World:
    """ARM's bucket for one subscription and a pacer with ARM's documented guess, writing one at a time; another
    client may spend the same bucket at ``other_rate`` writes a second."""

    def __init__(self, burst: int, rate: float, other_rate: float = 0.0) -> None:
        self.clock = Clock()
        self.arm = ArmThrottle(True, {"writes": Rate(burst, rate)}, self.clock)
        self.pacer = WritePacer(WRITE_BURST, WRITE_RATE, clock=self.clock, sleep=self.clock.sleep)
        self.other_rate, self._other_due = other_rate, 0.0
        self.throttled: list[int] = []  # the 429s each write met

    def _other_client(self) -> None:
        while self.other_rate and self._other_due <= self.clock.now:
            try:
                self.arm.take(SUB, "me", "PUT")
            except ArmError:
                pass
            self._other_due += 1 / self.other_rate

    def write(self) -> None:
        """One write: a token from the pacer, then ARM's answer (a 429 waits its Retry-After and is sent again, as
        arm/retry.py does)."""
        self.pacer.before_write(SUB)
        met = 0
        while True:
            self.clock.sleep(LATENCY)
            self._other_client()
            try:
                headers = self.arm.take(SUB, "me", "PUT")
                break
            except ArmError as exc:
                met += 1
                self.clock.sleep(float(exc.headers["Retry-After"]))
        self.throttled.append(met)
        self.pacer.after_write(SUB, headers, throttled=met)

    def writes(self, count: int) -> World:
        for _ in range(count):
            self.write()
        return self

    @property
    def bucket(self):
        return self.pacer.bucket(SUB)


def test_a_faster_refill_is_learnt_and_used():
    world = World(burst=20, rate=20.0).writes(220)
    assert world.bucket.rate == pytest.approx(20.0, rel=0.02)
    assert sum(world.throttled) == 0
    assert world.clock.now == pytest.approx((220 - 20) / 20.0, rel=0.05)  # ARM's bound, not 200 writes at 10/s


def test_a_smaller_slower_bucket_is_learnt():
    world = World(burst=5, rate=5.0).writes(60)
    assert (world.bucket.capacity, world.bucket.rate) == (5, pytest.approx(5.0, rel=0.05))


def test_a_slower_bucket_costs_one_429_then_none():
    """ARM's guess of 10/s meets one 429 on a 5/s bucket; the rate falls back, then is measured."""
    world = World(burst=5, rate=5.0).writes(60)
    assert sum(world.throttled) == 1
    assert sum(world.throttled[10:]) == 0


def test_another_client_on_the_same_bucket_leaves_its_share():
    world = World(burst=20, rate=20.0, other_rate=8.0).writes(150)
    assert world.bucket.rate == pytest.approx(12.0, rel=0.05)
    assert sum(world.throttled[30:]) == 0


def test_answers_that_overtake_one_another_do_not_raise_the_estimate():
    """Sixteen writers (threads) into a fresh bucket of 20, ARM counting them in the order they left and its answers
    arriving newest first: the older, higher counts may not raise the estimate, so the next wave meets no 429."""
    world = World(burst=20, rate=20.0)
    took, turns = [threading.Event() for _ in range(16)], [threading.Event() for _ in range(16)]
    answers = {}

    def writer(n: int) -> None:
        world.pacer.before_write(SUB)
        took[n].set()
        turns[n].wait()
        world.pacer.after_write(SUB, answers[n])

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(16)]
    for n, thread in enumerate(writers):  # one after another: they leave in this order
        thread.start()
        took[n].wait()
    answers.update({n: world.arm.take(SUB, "me", "PUT") for n in range(16)})  # ARM counts them in that order
    for n in reversed(range(16)):  # and its answers arrive newest first
        turns[n].set()
        writers[n].join()
    sent = []
    for _ in range(10):  # the next wave, sent before any of it is answered
        world.pacer.before_write(SUB)
        try:
            sent.append(world.arm.take(SUB, "me", "PUT"))
        except ArmError:
            sent.append(None)
    assert None not in sent  # no 429: the estimate was not raised to the oldest count (19 left) but kept at 4


def test_without_headers_arms_documented_bucket_stays():
    clock = Clock()
    pacer = WritePacer(clock=clock, sleep=clock.sleep)
    for _ in range(210):
        pacer.before_write(SUB)
        pacer.after_write(SUB, None)
    assert (pacer.bucket(SUB).capacity, pacer.bucket(SUB).rate) == (WRITE_BURST, WRITE_RATE)
    assert clock.now == pytest.approx(1.0)  # 10 writes beyond the 200 at 10 a second


def test_a_429_halves_the_rate():
    pacer = WritePacer(200, 16)
    pacer.before_write(SUB)
    pacer.after_write(SUB, {"x-ms-ratelimit-remaining-subscription-writes": "0"}, throttled=1)
    assert pacer.bucket(SUB).rate == 8


@pytest.mark.parametrize(("first", "capacity"), [(199, 200), (999, 1000), (4, 5)])
def test_the_first_count_of_a_fresh_bucket_gives_its_size(first, capacity):
    pacer = WritePacer()
    pacer.before_write(SUB)
    pacer.after_write(SUB, {"x-ms-ratelimit-remaining-subscription-writes": str(first)})
    assert pacer.bucket(SUB).capacity == capacity
