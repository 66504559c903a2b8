"""ARM-like request throttling: token buckets per Azure subscription and principal, OFF unless asked for.

As Azure Resource Manager does (shared/reference/fleet.md), each (subscription, principal) pair has three buckets:
reads (GET/HEAD: 250 tokens, refilled 25 per second), writes (PUT/PATCH/POST: 200, 10 per second) and deletes
(DELETE: 200, 10 per second). A request under ``/subscriptions/{id}`` takes one token of its kind; an empty
bucket answers 429 ``TooManyRequests`` with ``Retry-After`` (whole seconds until a token is back) in ARM's error
format. While throttling is on, every such answer carries what is left of its kind in
``x-ms-ratelimit-remaining-subscription-reads`` / ``-writes`` / ``-deletes``.

Enabled by ``emulator serve --arm-throttling`` or ``PUT /_emulator/config {"armThrottling": {"enabled": true,
"writes": {"burst": 5, "perSecond": 20}}}`` (rates are configurable so tests run fast; ``false`` turns it off).
Off, nothing is counted and no header is added: the emulator answers as before.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from amlevents.core.errors import InvalidInputError
from amlevents.emulator.runtime.errors import ArmError

KINDS = ("reads", "writes", "deletes")


@dataclass(frozen=True)
class Rate:
    """A bucket's size and its refill per second."""

    burst: int
    per_second: float


DEFAULT_RATES = {"reads": Rate(250, 25.0), "writes": Rate(200, 10.0), "deletes": Rate(200, 10.0)}


def kind_of(method: str) -> str:
    """The bucket a request method draws on."""
    method = method.upper()
    if method in ("GET", "HEAD"):
        return "reads"
    return "deletes" if method == "DELETE" else "writes"


def header(kind: str) -> str:
    """The response header that reports a bucket."""
    return f"x-ms-ratelimit-remaining-subscription-{kind}"


class ArmThrottle:
    """The buckets of every (subscription, principal, kind); ``clock`` is injectable so tests need no sleeps."""

    def __init__(self, enabled: bool = False, rates: dict[str, Rate] | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        self.enabled = enabled
        self.rates = dict(DEFAULT_RATES, **(rates or {}))
        self.clock = clock or time.monotonic
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str, str], tuple[float, float]] = {}  # -> (tokens, at)

    def take(self, subscription: str, principal: str, method: str) -> dict[str, str]:
        """Take one token for a request: the header to add to its answer, or 429 ``ArmError`` when the bucket is
        empty. Nothing (``{}``) while throttling is off."""
        if not self.enabled:
            return {}
        kind = kind_of(method)
        rate = self.rates[kind]
        key = (subscription.lower(), principal.lower(), kind)
        with self._lock:
            now = self.clock()
            tokens, at = self._buckets.get(key, (float(rate.burst), now))
            tokens = min(float(rate.burst), tokens + (now - at) * rate.per_second)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = max(1, math.ceil((1.0 - tokens) / rate.per_second)) if rate.per_second > 0 else 3600
                raise ArmError(
                    429, "TooManyRequests",
                    f"Number of '{kind[:-1]}' requests for subscription '{subscription}' actor '{principal}' "
                    f"exceeded. Please try again after '{wait}' seconds after the last request. Please see "
                    "https://aka.ms/ARMThrottling for troubleshooting.",
                    headers={"Retry-After": str(wait), header(kind): "0"})
            tokens -= 1.0
            self._buckets[key] = (tokens, now)
        return {header(kind): str(int(tokens))}

    def reset(self) -> None:
        """Every bucket full again."""
        with self._lock:
            self._buckets.clear()

    def configure(self, value: Any) -> None:
        """Apply ``PUT /_emulator/config``'s ``armThrottling``: a bool, or ``{"enabled"?, "reads"|"writes"|
        "deletes": {"burst", "perSecond"}}`` (giving rates turns it on unless ``enabled`` says otherwise).
        The buckets start full."""
        if isinstance(value, bool):
            enabled, rates = value, {}
        elif isinstance(value, dict):
            unknown = sorted(set(value) - {"enabled", *KINDS})
            if unknown:
                raise InvalidInputError(f"unknown armThrottling field(s): {', '.join(unknown)}")
            enabled = value.get("enabled", True)
            if not isinstance(enabled, bool):
                raise InvalidInputError("armThrottling.enabled must be true or false")
            rates = {kind: _rate(kind, value[kind], self.rates[kind]) for kind in KINDS if kind in value}
        else:
            raise InvalidInputError("armThrottling must be true, false or an object")
        with self._lock:
            self.enabled = enabled
            self.rates.update(rates)
            self._buckets.clear()

    def to_dict(self) -> dict[str, Any]:
        """The settings, as ``GET /_emulator/config`` shows them."""
        return {"enabled": self.enabled,
                **{k: {"burst": r.burst, "perSecond": r.per_second} for k, r in self.rates.items()}}


def _rate(kind: str, value: Any, current: Rate) -> Rate:
    if not isinstance(value, dict) or set(value) - {"burst", "perSecond"}:
        raise InvalidInputError(f"armThrottling.{kind} must be an object with burst and perSecond")
    burst, per_second = value.get("burst", current.burst), value.get("perSecond", current.per_second)
    if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
        raise InvalidInputError(f"armThrottling.{kind}.burst must be an integer of 1 or more")
    if isinstance(per_second, bool) or not isinstance(per_second, (int, float)) or per_second <= 0:
        raise InvalidInputError(f"armThrottling.{kind}.perSecond must be a number above 0")
    return Rate(burst, float(per_second))
