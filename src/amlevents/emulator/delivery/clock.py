"""The delivery clock: real time, compressed by a scale so that a retry schedule can run in milliseconds.

``scale`` is real seconds per emulated second: at ``0.001`` the service's 10 s first retry waits 10 ms and its
30 s response timeout is 30 ms (never less than ``MIN_TIMEOUT`` real seconds, so a TLS handshake on a busy machine
is not counted as a timeout). Timestamps written in records (``publishTime`` ...) are the real wall clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

MIN_TIMEOUT = 0.25


class Clock:
    """Scaled waits and emulated elapsed time over a monotonic clock (both injectable for tests)."""

    def __init__(self, scale: float = 1.0, monotonic: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        self.scale = scale
        self._monotonic = monotonic
        self._wall = wall

    @property
    def scale(self) -> float:
        """Real seconds per emulated second (> 0)."""
        return self._scale

    @scale.setter
    def scale(self, value: float) -> None:
        if not value > 0:
            raise ValueError("the time scale must be a number above 0")
        self._scale = float(value)

    def monotonic(self) -> float:
        """Real monotonic seconds (the scheduler's timeline)."""
        return self._monotonic()

    def wall(self) -> float:
        """Real wall-clock seconds since the epoch (for timestamps)."""
        return self._wall()

    def real(self, emulated_seconds: float) -> float:
        """How many real seconds ``emulated_seconds`` take."""
        return emulated_seconds * self._scale

    def emulated(self, real_seconds: float) -> float:
        """How many emulated seconds ``real_seconds`` are."""
        return real_seconds / self._scale

    def timeout(self, emulated_seconds: float) -> float:
        """A network timeout of ``emulated_seconds``, in real seconds, never below ``MIN_TIMEOUT``."""
        return max(MIN_TIMEOUT, self.real(emulated_seconds))
