"""Which answers count, which are retried, and when (reference/webhooks.md §4-5). Pure: times are seconds.

- Success: 200, 201, 202, 203, 204 only.
- Never retried: 400, 401, 403, 413; 400 and 413 are dead-lettered at once (401/403 end after this attempt, and
  are dead-lettered like an exhausted event).
- Schedule after attempt n: 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h, then every 12 h, with
  jitter; never sooner than the status's minimum delay (408: 2 min, 503: 30 s, anything else: 10 s).
- The event ends when ``maxDeliveryAttempts`` (1-30, default 30) attempts were made or the next attempt would
  fall after ``eventTimeToLiveInMinutes`` (1-1,440, default 1,440) from publishing.

``deadLetterReason`` and ``lastDeliveryOutcome`` values are not listed in the reference; the names here
(``MaxDeliveryAttemptsExceeded``, ``TimeToLiveExceeded``, ``NonRetriableError``; ``BadRequest``, ``NotFound``,
``TimedOut`` ...) follow the service's dead-letter samples and are the emulator's documented choice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SUCCESS = frozenset({200, 201, 202, 203, 204})
NEVER_RETRIED = frozenset({400, 401, 403, 413})
DEAD_LETTER_AT_ONCE = frozenset({400, 413})
SCHEDULE = (10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600)
LATER_EVERY = 12 * 3600
DEFAULT_MAX_ATTEMPTS = 30
DEFAULT_TTL_MINUTES = 1440

DELIVERED, RETRY, DEAD_LETTER = "delivered", "retry", "deadLetter"
MAX_ATTEMPTS_REASON = "MaxDeliveryAttemptsExceeded"
TTL_REASON = "TimeToLiveExceeded"
NON_RETRIABLE_REASON = "NonRetriableError"

_OUTCOMES = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 408: "TimedOut",
             413: "PayloadTooLarge", 429: "Busy", 503: "Busy"}


@dataclass(frozen=True)
class RetryPolicy:
    """A subscription's ``retryPolicy``."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    ttl_minutes: int = DEFAULT_TTL_MINUTES

    @classmethod
    def from_wire(cls, policy: Any) -> RetryPolicy:
        """From the wire ``retryPolicy`` object (missing or null members take the defaults)."""
        policy = policy if isinstance(policy, dict) else {}
        return cls(int(policy.get("maxDeliveryAttempts") or DEFAULT_MAX_ATTEMPTS),
                   int(policy.get("eventTimeToLiveInMinutes") or DEFAULT_TTL_MINUTES))


@dataclass(frozen=True)
class Decision:
    """What follows an attempt: ``delivered``, ``retry`` after ``delay`` seconds, or ``deadLetter`` with
    ``reason``."""

    action: str
    delay: float = 0.0
    reason: str | None = None


def is_success(status: int | None) -> bool:
    """Whether an HTTP status counts as delivered (200-204)."""
    return status in SUCCESS


def outcome_name(status: int | None, error: str | None = None) -> str:
    """The ``lastDeliveryOutcome`` word for an answer (``status``) or a failure to get one (``error``:
    ``timeout`` or another transport error)."""
    if status is None:
        return "TimedOut" if error == "timeout" else "GenericError"
    if is_success(status):
        return "Succeeded"
    return _OUTCOMES.get(status, "GenericError")


def scheduled_delay(attempt: int) -> float:
    """The schedule's delay after attempt number ``attempt`` (1-based), before jitter and minimum delays."""
    return SCHEDULE[attempt - 1] if attempt <= len(SCHEDULE) else LATER_EVERY


def minimum_delay(status: int | None) -> float:
    """The least wait before retrying after ``status``: 2 min after 408, 30 s after 503, else 10 s."""
    return {408: 120.0, 503: 30.0}.get(status or 0, 10.0)


def decide(attempt: int, status: int | None, elapsed: float, policy: RetryPolicy,
           jitter: Callable[[float], float] = lambda delay: 0.0) -> Decision:
    """What to do after attempt ``attempt`` (1-based) answered ``status`` (None: no answer), ``elapsed`` seconds
    after publishing. ``jitter(delay)`` returns seconds added to the scheduled delay (0 by default)."""
    if is_success(status):
        return Decision(DELIVERED)
    if status in DEAD_LETTER_AT_ONCE or status in NEVER_RETRIED:
        return Decision(DEAD_LETTER, reason=NON_RETRIABLE_REASON)
    if attempt >= policy.max_attempts:
        return Decision(DEAD_LETTER, reason=MAX_ATTEMPTS_REASON)
    base = scheduled_delay(attempt)
    delay = max(base + jitter(base), minimum_delay(status))
    if elapsed + delay > policy.ttl_minutes * 60:
        return Decision(DEAD_LETTER, reason=TTL_REASON)
    return Decision(RETRY, delay=delay)
