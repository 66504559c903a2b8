"""Independent calls at once: ``concurrently`` runs them in a thread pool, ``unwrap`` reads one result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def concurrently(calls: list[Callable[[], Any]], workers: int | None = None) -> list[Any]:
    """Run independent calls in a pool (``workers`` threads, default one per call); the results in order, each
    the value or the exception it raised (``unwrap`` raises it)."""
    if not calls:
        return []
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, min(len(calls) if workers is None else workers, len(calls)))) as pool:
        futures = [pool.submit(call) for call in calls]
    return [future.exception() or future.result() for future in futures]


def unwrap(result: Any) -> Any:
    """A result of ``concurrently``: the value, or raise the exception it holds."""
    if isinstance(result, BaseException):
        raise result
    return result
