"""Independent calls at once: ``concurrently`` runs them in a thread pool, ``unwrap`` reads one result."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any


def concurrently(calls: list[Callable[[], Any]], workers: int | None = None,
                 spread: Sequence[Hashable] | None = None) -> list[Any]:
    """Run independent calls in a pool (``workers`` threads, default one per call); the results in order, each
    the value or the exception it raised (``unwrap`` raises it).

    ``spread`` (one key per call) starts the calls round-robin over their keys instead of in order: calls that
    share a key (an Azure subscription's throttling bucket, a resource group's memoized listing) then run beside
    calls of other keys, not all at once while the others wait their turn. The results stay in ``calls``' order.
    """
    if not calls:
        return []
    from concurrent.futures import ThreadPoolExecutor

    order = round_robin(spread) if spread is not None else range(len(calls))
    with ThreadPoolExecutor(max_workers=max(1, min(len(calls) if workers is None else workers, len(calls)))) as pool:
        futures = {i: pool.submit(calls[i]) for i in order}
    return [futures[i].exception() or futures[i].result() for i in range(len(calls))]


def round_robin(keys: Sequence[Hashable]) -> list[int]:
    """The indexes of ``keys``: every key's first, then every key's second, ...; each key's in their order."""
    seen: dict[Hashable, int] = {}
    ranked = []
    for index, key in enumerate(keys):
        ranked.append((seen.get(key, 0), index))
        seen[key] = seen.get(key, 0) + 1
    return [index for _rank, index in sorted(ranked)]


def unwrap(result: Any) -> Any:
    """A result of ``concurrently``: the value, or raise the exception it holds."""
    if isinstance(result, BaseException):
        raise result
    return result
