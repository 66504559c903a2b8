"""How long the emulator takes to start a fleet-size world, and what a fleet-wide read costs at that size.

Usage: python bench/fleet_seed.py [--subscriptions 20] [--workspaces 50] [--per-workspace 5] [--runs 3]

For the seed ``{"fleet": {...}}`` (default 20 x 50 workspaces x 5 event subscriptions: 1,000 workspaces and 5,000
event subscriptions, with their 1,000 system topics), it measures, median of ``--runs``:

- building the world from the seed (``load_seed``);
- a Backend start in memory and on a state file (the world plus every seeded resource, in one transaction);
- in process (no HTTP): one page of 100 of a regional list by topic type of one Azure subscription, and a Resource
  Graph query over every subscription (first page of 1,000 rows).

Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from amlevents.emulator.resourcegraph.service import query_resources
from amlevents.emulator.runtime import paging
from amlevents.emulator.runtime.backend import Backend
from amlevents.emulator.runtime.fleet import fleet_subscription_id
from amlevents.emulator.runtime.seed import DEFAULT_PRINCIPALS, load_seed

AML = "Microsoft.MachineLearningServices.Workspaces"
QUERY = ("resources | where type =~ 'microsoft.machinelearningservices/workspaces' "
         "| project id, name, resourceGroup, subscriptionId, location, tags")


def median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def start(seed: dict, state: Path | None) -> None:
    if state is not None and state.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(state) + suffix).unlink(missing_ok=True)
    Backend(state, seed).close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscriptions", type=int, default=20)
    parser.add_argument("--workspaces", type=int, default=50)
    parser.add_argument("--per-workspace", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args()
    seed = {"fleet": {"subscriptions": opts.subscriptions, "workspacesPerSubscription": opts.workspaces,
                      "eventSubscriptionsPerWorkspace": opts.per_workspace, "locations": ["eastus", "westeurope"],
                      "tags": [{"env": "prod"}, {"env": "dev"}]}}
    workspaces = opts.subscriptions * opts.workspaces
    rows = [("build the world (load_seed)", median_ms(lambda: load_seed(seed), opts.runs)),
            ("start in memory (world + seeded resources, one transaction)",
             median_ms(lambda: start(seed, None), opts.runs))]
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state.db"
        rows.append(("start on a state file (WAL, synchronous=FULL)", median_ms(lambda: start(seed, state),
                                                                                  opts.runs)))
    backend = Backend(None, seed)
    try:
        listing = backend.list_regional_event_subscriptions(fleet_subscription_id(1), None, "eastus", AML)
        rows.append(("regional list by topic type, one subscription: a page of 100",
                     median_ms(lambda: paging.page(listing, 100, None), opts.runs)))
        body = {"query": QUERY, "options": {"$top": 1000}}
        rows.append((f"Resource Graph query, {opts.subscriptions} subscriptions: first page of 1,000 rows",
                     median_ms(lambda: query_resources(backend, DEFAULT_PRINCIPALS["owner"], body), opts.runs)))
    finally:
        backend.close()
    print(f"Fleet seed: {opts.subscriptions} subscriptions, {workspaces:,} workspaces, "
          f"{workspaces * opts.per_workspace:,} event subscriptions; median of {opts.runs} "
          f"(Python {sys.version.split()[0]}, {platform.machine()})\n")
    print("| step | ms |\n|---|---:|")
    for name, ms in rows:
        print(f"| {name} | {ms:,.0f} |")


if __name__ == "__main__":
    main()
