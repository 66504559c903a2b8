"""``arm.concurrency.concurrently``: results in the calls' order, started round-robin over ``spread`` keys."""

from __future__ import annotations

import pytest

from amlevents.arm.concurrency import concurrently, unwrap


def test_results_keep_the_calls_order_and_carry_exceptions():
    def boom():
        raise ValueError("no")

    results = concurrently([lambda: 1, boom, lambda: 3], workers=2)
    assert results[0] == 1 and results[2] == 3
    with pytest.raises(ValueError, match="no"):
        unwrap(results[1])


def test_spread_starts_the_calls_round_robin_over_their_keys():
    started: list[str] = []
    keys = ["a", "a", "a", "b", "b", "c"]
    calls = [lambda i=i: started.append(f"{keys[i]}{i}") or i for i in range(len(keys))]
    results = concurrently(calls, workers=1, spread=keys)  # one worker: it runs them in the order they start
    assert started == ["a0", "b3", "c5", "a1", "b4", "a2"]
    assert results == list(range(len(keys)))
