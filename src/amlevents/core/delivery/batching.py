"""Batching as the service does it (reference/webhooks.md §4): ``maxEventsPerBatch`` (1-5,000, default 1) and
``preferredBatchSizeInKilobytes`` (1-1,024, default 64).

A batch is closed when adding the next event would pass either limit; an event larger than the preferred size
on its own still goes, alone, in its own batch. Order is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

DEFAULT_MAX_EVENTS = 1
DEFAULT_PREFERRED_KB = 64


def batches(items: Sequence[T], size: Callable[[T], int], max_events: int | None = None,
            preferred_kb: int | None = None) -> list[list[T]]:
    """``items`` cut into batches of at most ``max_events`` whose ``size`` (bytes) stays within ``preferred_kb``
    kilobytes, except a single item larger than that, which forms a batch of its own."""
    limit = max(1, max_events or DEFAULT_MAX_EVENTS)
    budget = max(1, preferred_kb or DEFAULT_PREFERRED_KB) * 1024
    out: list[list[T]] = []
    current: list[T] = []
    used = 0
    for item in items:
        n = size(item)
        if current and (len(current) >= limit or used + n > budget):
            out.append(current)
            current, used = [], 0
        current.append(item)
        used += n
    if current:
        out.append(current)
    return out
