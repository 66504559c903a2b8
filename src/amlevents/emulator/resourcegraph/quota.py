"""Resource Graph's per-user quota: a number of queries per time window, reported on every answer.

Azure reports the caller's quota in ``x-ms-user-quota-remaining`` and ``x-ms-user-quota-resets-after`` (``hh:mm:ss``)
on every answer, and answers 429 once it is spent (the documented example: 15 queries per 5 seconds). The window
starts with the first query and the quota is whole again when it ends. The emulator always reports the headers;
it refuses only when ``enforced`` (``PUT /_emulator/config {"resourceGraphQuota": {...}}``), so that clients that do
not pace themselves keep working by default.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_QUERIES = 15
DEFAULT_WINDOW = 5.0


@dataclass(frozen=True)
class Verdict:
    """One query's standing: whether it may run, what is left, and the seconds until the window resets."""

    allowed: bool
    remaining: int
    resets_after: float

    def headers(self) -> dict[str, str]:
        """The quota headers of the answer."""
        seconds = max(0, math.ceil(self.resets_after))
        return {"x-ms-user-quota-remaining": str(self.remaining),
                "x-ms-user-quota-resets-after": f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"}


class UserQuota:
    """Queries per window and principal; ``clock`` is injectable so tests need no sleeps."""

    def __init__(self, queries: int = DEFAULT_QUERIES, window: float = DEFAULT_WINDOW, enforced: bool = False,
                 clock: Callable[[], float] | None = None) -> None:
        self.queries, self.window, self.enforced = queries, window, enforced
        self.clock = clock or time.monotonic
        self._lock = threading.Lock()
        self._used: dict[str, tuple[float, int]] = {}  # principal -> (window start, queries counted)

    def take(self, principal: str) -> Verdict:
        """Count one query of ``principal`` (unless refused) and say whether it may run."""
        with self._lock:
            now = self.clock()
            start, used = self._used.get(principal.lower(), (now, 0))
            if now - start >= self.window:
                start, used = now, 0
            left = self.window - (now - start)
            if used >= self.queries and self.enforced:
                return Verdict(False, 0, left)
            used += 1
            self._used[principal.lower()] = (start, used)
            return Verdict(True, max(0, self.queries - used), left)

    def configure(self, enforced: bool | None = None, queries: int | None = None,
                  window: float | None = None) -> None:
        """Change the quota; the counts start over."""
        with self._lock:
            if enforced is not None:
                self.enforced = enforced
            if queries is not None:
                self.queries = queries
            if window is not None:
                self.window = window
            self._used.clear()

    def reset(self) -> None:
        """Forget every principal's count (the emulator's reset)."""
        with self._lock:
            self._used.clear()

    def to_dict(self) -> dict[str, object]:
        """The settings, as ``GET /_emulator/config`` shows them."""
        return {"enforced": self.enforced, "queries": self.queries, "windowSeconds": self.window}
