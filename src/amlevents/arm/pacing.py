"""Writes paced per Azure subscription below Azure Resource Manager's write limits (shared/reference/fleet.md).

ARM keeps a token bucket of writes per subscription (200, refilled 10 a second), and one of deletes, and answers
429 when one is empty.
An apply that creates thousands of subscriptions would spend the burst in a second and then meet 429s: each one
costs a Retry-After wait on top. So the client keeps the same bucket per subscription and waits for a token
before each write; when ARM says what is left (``x-ms-ratelimit-remaining-subscription-writes`` on an answer),
that figure replaces the local estimate (less the writes still in flight), so another client spending the same
bucket is followed. A 429 that still happens is retried after its Retry-After by ``arm.retry`` (announced on
stderr). Subscriptions are independent: the writes of twenty subscriptions run at twenty times the rate.

The bucket's size and refill rate are LEARNT from those answers (ARM's documented 200 and 10/s are only the
starting guess, kept while no answer carries the header):

- size: the bucket held at least ``remaining + 1`` tokens (the write just answered took one), so the largest
  ``remaining + 1`` seen is the size (exact when a write finds the bucket full, as a fresh one is);
- refill: between an earlier answer (``r0`` at ``t0``) and this one (``r`` at ``t``) ARM counted the ``k`` writes
  that left after the earlier one's, up to this one (tickets, below), so it refilled ``r - r0 + k`` tokens in
  ``t - t0`` seconds. The estimate is
  ``(r - r0 + k - 1) / (t - t0)``, measured from an anchor answer once at least ``MIN_SPAN`` seconds and
  ``MIN_ANSWERS`` writes lie between: the ``- 1`` covers ARM rounding both counts down, so the estimate errs
  low (a write a little late) rather than high (a 429); the span grows as the apply goes on, so the error
  shrinks. A bucket seen full (``remaining + 1`` at its size) restarts the measure there, since refills beyond
  the size are lost. Writes of other clients on the same bucket lower the estimate to the share left for us,
  which is the rate to use.
- answers overtake one another (sixteen writes in flight come back in any order): each write carries a ticket
  in the order the writes left, and the count of a write older than one already applied (ARM counted it earlier,
  when more was left) may lower the estimate but never raise it, nor measure the rate;
- another client: when ARM's count is below this client's estimate by more than ARM's rounding, someone else
  spends the bucket, and from then on one token is kept in reserve (the count is stale by the time the next write
  arrives: the other client may have taken the last token);
- a 429 that a write met before it succeeded (``throttled``: azure-core's retry history, ``response_headers``)
  means the estimate ran ahead of ARM: the rate falls back to half and the measure restarts from the next answer.

Every answer resets the estimate, so the learnt rate decides what happens between answers: with few writes in
flight per subscription it sets the pace, and a bucket slower than the guess no longer meets a 429 after each wait.

A fleet plan's getFullUrl/getDeliveryAttributes reads are POSTs, which ARM counts as writes too: they take the same
buckets' tokens from coroutines on one thread (``try_take``, whose ticket goes back to ``answered`` explicitly,
since a thread then has many writes out; ``arm.aio``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

WRITE_BURST = 200.0  # ARM's write bucket per subscription
WRITE_RATE = 10.0  # tokens per second refilled
REMAINING_HEADER = "x-ms-ratelimit-remaining-subscription-{kind}"  # kind: writes or deletes (separate buckets)
MIN_SPAN = 1.0  # seconds between the anchor answer and this one before a refill estimate is trusted
MIN_ANSWERS = 5  # writes between them, likewise
MIN_RATE = 1.0  # tokens per second: the estimate's floor, so a bucket another client empties is tried again soon
_EPSILON = 1e-6
_THIS_THREAD: Any = object()  # answered(): the ticket this thread's take() kept


class TokenBucket:
    """``capacity`` tokens, refilled ``rate`` per second; ``take`` waits for one (thread-safe). Both start as the
    given guess and are learnt from ARM's remaining counts (``answered``; the module docstring)."""

    def __init__(self, capacity: float = WRITE_BURST, rate: float = WRITE_RATE, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.capacity = capacity
        self.rate = rate
        self.tokens = capacity
        self._clock = clock
        self._sleep = sleep
        self._at = clock()
        self._lock = threading.Lock()
        self.in_flight = 0  # tokens taken whose writes ARM has not answered yet
        self.learnt = False  # an answer reported the bucket: capacity is measured, no longer the guess
        self.shared = False  # ARM counted writes this client did not send: another client spends this bucket
        self._anchor: tuple[float, float, int] | None = None  # (time, remaining, ticket) the refill is measured from
        self._issued = 0  # tokens taken so far: each write's ticket, in the order the writes leave
        self._newest = 0  # the ticket of the latest write whose answer was applied
        self._mine = threading.local()  # the ticket of the write this thread has out (a writer sends one at a time)

    def _refill(self) -> None:
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + (now - self._at) * self.rate)
        self._at = now

    def take(self) -> float:
        """Take one token, waiting until there is one; returns the seconds waited."""
        waited = 0.0
        while True:
            wait, ticket = self.try_take()
            if ticket is not None:
                self._mine.ticket = ticket
                return waited
            self._sleep(wait)  # outside the lock: other subscriptions' writers and this bucket's refill go on
            waited += wait

    def try_take(self) -> tuple[float, int | None]:
        """Take one token if there is one: ``(0.0, ticket)``; else ``(seconds until there is one, None)`` and
        nothing taken. For a caller that waits its own way (a coroutine), and hands the ticket to ``answered``."""
        with self._lock:
            self._refill()
            if self.tokens >= 1 - _EPSILON:  # refills add float fractions: 0.9999999 is a token, not a wait
                self.tokens = max(0.0, self.tokens - 1)
                self.in_flight += 1
                self._issued += 1
                return 0.0, self._issued
            return (1 - self.tokens) / self.rate, None

    def answered(self, remaining: float | None = None, throttled: int = 0, ticket: Any = _THIS_THREAD) -> None:
        """A write taken from this bucket was answered; ARM's own count of what is left (``remaining``), when the
        answer gave one, replaces the estimate, less the writes still in flight (ARM has not counted them yet;
        it has counted other clients' writes), and teaches the bucket's size and refill rate. ``throttled``: the
        429s the write met before this answer (the rate falls back). ``ticket``: the one ``try_take`` gave (None:
        the write was sent without a token); by default the one this thread's ``take`` kept."""
        with self._lock:
            if ticket is _THIS_THREAD:
                ticket, self._mine.ticket = getattr(self._mine, "ticket", None), None
                self.in_flight = max(0, self.in_flight - 1)
            elif ticket is not None:
                self.in_flight = max(0, self.in_flight - 1)
            stale = ticket is not None and ticket < self._newest  # the answer of a later write came first
            if ticket is not None and not stale:
                self._newest = ticket
            if throttled:
                self.rate = max(MIN_RATE, self.rate / 2)
                self._anchor = None
            if remaining is None:
                return
            self._refill()
            measured, self.learnt = self.learnt, True
            self.capacity = max(remaining + 1, self.capacity if measured else 0.0)
            figure = remaining - self.in_flight
            if stale:  # ARM's count from before the one already applied: it may lower the estimate, never raise it
                self.tokens = max(0.0, min(self.tokens, figure))
                return
            # more gone than ARM's rounding explains: someone else writes (only a measured bucket can tell)
            self.shared = self.shared or (measured and figure < self.tokens - 1)
            if ticket is not None:  # (an answer this thread did not take a token for dates nothing)
                self._measure(remaining, ticket)
            reserve = 1 if self.shared and self.capacity > 2 else 0
            self.tokens = max(0.0, min(self.capacity, figure - reserve))

    def _measure(self, remaining: float, ticket: int) -> None:
        """The refill rate from the count ARM gave the write ``ticket`` (the module docstring); under the lock."""
        now = self._at  # just refilled: the clock's reading now
        if self._anchor is None or remaining + 1 >= self.capacity:  # first, or full: refills may have been lost
            self._anchor = (now, remaining, ticket)
            return
        at, before, since = self._anchor
        writes = ticket - since  # ARM counted the writes in the order they left: those after the anchor's, to this
        if now - at >= MIN_SPAN and writes >= MIN_ANSWERS:
            self.rate = max(MIN_RATE, (remaining - before + writes - 1) / (now - at))


class WritePacer:
    """One ``TokenBucket`` per Azure subscription and kind, writes or deletes (ids compared without case)."""

    def __init__(self, burst: float = WRITE_BURST, rate: float = WRITE_RATE, **bucket_options: Any) -> None:
        self.burst = burst
        self.rate = rate
        self._options = bucket_options
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, subscription_id: str, kind: str = "writes") -> TokenBucket:
        """The bucket of one subscription's ``writes`` or ``deletes`` (ARM keeps one of each; made on first use)."""
        key = (subscription_id.lower(), kind)
        with self._lock:
            if key not in self._buckets:
                self._buckets[key] = TokenBucket(self.burst, self.rate, **self._options)
            return self._buckets[key]

    def before_write(self, subscription_id: str, kind: str = "writes") -> float:
        """Wait for a token of ``subscription_id``'s ``kind`` bucket; the seconds waited. Pair with ``after_write``
        on the same thread (the write's ticket is kept per thread)."""
        return self.bucket(subscription_id, kind).take()

    def after_write(self, subscription_id: str, headers: Mapping[str, str] | None, kind: str = "writes",
                    throttled: int = 0, ticket: Any = _THIS_THREAD) -> None:
        """The write was answered (or failed: ``headers`` None); follow ARM's
        ``x-ms-ratelimit-remaining-subscription-writes`` (``-deletes``) when the answer carries it. ``throttled``:
        the 429s the write met and retried first (an ``Answer`` from ``response_headers`` carries them too);
        ``ticket``: as ``TokenBucket.answered`` takes it."""
        value = _header(headers, REMAINING_HEADER.format(kind=kind))
        try:
            remaining = float(value) if value is not None else None
        except ValueError:
            remaining = None  # a header we cannot read is ignored, never fatal
        self.bucket(subscription_id, kind).answered(remaining, throttled or getattr(headers, "throttled", 0), ticket)


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)
    if value is None:  # a plain dict is case-sensitive; azure-core's headers are not
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


class Answer(dict[str, str]):
    """The headers of the answer to a write (``str`` -> ``str``), and ``throttled``: the 429s the write met and
    retried before it (so ``WritePacer.after_write`` hears of them through the one argument it is given)."""

    def __init__(self, headers: Mapping[str, str] | None, throttled: int = 0) -> None:
        super().__init__(headers or {})
        self.throttled = throttled


def response_headers(poller: Any) -> Answer | None:
    """The answer that started a long-running operation (``polling=False`` pollers keep it): its headers and the
    429s met before it (azure-core's retry policy keeps each attempt in the response context's ``history``)."""
    method = poller.polling_method() if hasattr(poller, "polling_method") else None
    initial = getattr(method, "_initial_response", None)
    response = getattr(initial, "http_response", None)
    headers = getattr(response, "headers", None)
    return Answer(headers, throttled_before(initial)) if headers is not None else None


def throttled_before(answer: Any) -> int:
    """The 429s a request met before ``answer`` (a ``PipelineResponse``, sync or async: azure-core's retry policy
    keeps each attempt in its context's ``history``); 0 for None."""
    history = (getattr(answer, "context", None) or {}).get("history") or []
    return sum(1 for attempt in history if getattr(getattr(attempt, "http_response", None), "status_code", 0) == 429)


def session_pacer(session: Any) -> WritePacer:
    """The session's one pacer (every apply of the process shares each subscription's bucket)."""
    return session.memo(("write-pacer",), WritePacer)
