"""Writes paced per Azure subscription below Azure Resource Manager's write limits (shared/reference/fleet.md).

ARM keeps a token bucket of writes per subscription (200, refilled 10 a second), and one of deletes, and answers
429 when one is empty.
An apply that creates thousands of subscriptions would spend the burst in a second and then meet 429s: each one
costs a Retry-After wait on top. So the client keeps the same bucket per subscription and waits for a token
before each write; when ARM says what is left (``x-ms-ratelimit-remaining-subscription-writes`` on an answer),
that figure replaces the local estimate (less the writes still in flight), so another client spending the same
bucket, or a smaller bucket than the default, is followed. A 429 that still happens is retried after its
Retry-After by ``arm.retry`` (announced on stderr). Subscriptions are independent: the writes of twenty
subscriptions run at twenty times the rate. The refill rate is ARM's documented 10 a second: a more generous
bucket is used as fast as its remaining-writes counts show, not learnt.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

WRITE_BURST = 200.0  # ARM's write bucket per subscription
WRITE_RATE = 10.0  # tokens per second refilled
REMAINING_HEADER = "x-ms-ratelimit-remaining-subscription-{kind}"  # kind: writes or deletes (separate buckets)
_EPSILON = 1e-6


class TokenBucket:
    """``capacity`` tokens, refilled ``rate`` per second; ``take`` waits for one (thread-safe)."""

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

    def _refill(self) -> None:
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + (now - self._at) * self.rate)
        self._at = now

    def take(self) -> float:
        """Take one token, waiting until there is one; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                self._refill()
                if self.tokens >= 1 - _EPSILON:  # refills add float fractions: 0.9999999 is a token, not a wait
                    self.tokens = max(0.0, self.tokens - 1)
                    self.in_flight += 1
                    return waited
                wait = (1 - self.tokens) / self.rate
            self._sleep(wait)  # outside the lock: other subscriptions' writers and this bucket's refill go on
            waited += wait

    def answered(self, remaining: float | None = None) -> None:
        """A write taken from this bucket was answered; ARM's own count of what is left (``remaining``), when the
        answer gave one, replaces the estimate, less the writes still in flight (ARM has not counted them yet;
        it has counted other clients' writes)."""
        with self._lock:
            self.in_flight = max(0, self.in_flight - 1)
            if remaining is not None:
                self._refill()
                self.tokens = max(0.0, min(self.capacity, remaining - self.in_flight))


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
        """Wait for a token of ``subscription_id``'s ``kind`` bucket; the seconds waited. Pair with ``after_write``."""
        return self.bucket(subscription_id, kind).take()

    def after_write(self, subscription_id: str, headers: Mapping[str, str] | None, kind: str = "writes") -> None:
        """The write was answered (or failed: ``headers`` None); follow ARM's
        ``x-ms-ratelimit-remaining-subscription-writes`` (``-deletes``) when the answer carries it."""
        value = _header(headers, REMAINING_HEADER.format(kind=kind))
        try:
            remaining = float(value) if value is not None else None
        except ValueError:
            remaining = None  # a header we cannot read is ignored, never fatal
        self.bucket(subscription_id, kind).answered(remaining)


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)
    if value is None:  # a plain dict is case-sensitive; azure-core's headers are not
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


def response_headers(poller: Any) -> Mapping[str, str] | None:
    """The headers of the answer that started a long-running operation (``polling=False`` pollers keep it)."""
    method = poller.polling_method() if hasattr(poller, "polling_method") else None
    initial = getattr(method, "_initial_response", None)
    response = getattr(initial, "http_response", None)
    return getattr(response, "headers", None)


def session_pacer(session: Any) -> WritePacer:
    """The session's one pacer (every apply of the process shares each subscription's bucket)."""
    return session.memo(("write-pacer",), WritePacer)
