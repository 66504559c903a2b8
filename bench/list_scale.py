"""`subscription list` over many subscriptions in one workspace, as whole processes: wall time and peak RSS.

Starts `amlevents emulator serve --seed FILE` with a seed holding COUNT event subscriptions on local-workspace
(the seed's generator form, written in one transaction at start), then runs
`amlevents subscription list -o json -w local-workspace` against it RUNS times (AMLEVENTS_EMULATOR/_CA from the
ready line) and prints the medians: the client's wall time and peak RSS, and the emulator's CPU seconds spent
serving the list (its getrusage before and after, read from /proc).

With `--az PATH` (an Azure CLI, see bench/az_side_by_side.py for installing one) the same run also times
`az eventgrid event-subscription list --source-resource-id <workspace> -o json` against the same emulator (signed
in as the seed's owner service principal), `--az-runs` times (default 1: az takes about 100 s at 10,000).

Usage: python bench/list_scale.py [--count 10000] [--runs 3] [--az PATH] [--az-runs 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import amlevents_exe, cpu_seconds, serve_seed

SEED = {
    "subscriptionId": "00000000-0000-0000-0000-000000000000",
    "tenantId": "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
    "resourceGroups": [{"name": "amlevents-local", "location": "eastus"}],
    "principals": {"owner": {"objectId": "11111111-1111-4111-8111-111111111111", "type": "User"}},
    "roleAssignments": [{"principal": "owner", "role": "Owner", "scope": "/subscriptions/{subscriptionId}"}],
}


def run_client(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB of this one process, from wait4, number of items printed) of one client.

    The printed list is counted by another process: a list loaded here would grow this process, and the next
    client, forked from it, would count this process's pages as its own peak RSS (ru_maxrss includes them).
    """
    with tempfile.NamedTemporaryFile("w+", suffix=".json") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.PIPE, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"the client failed: {proc.stderr.read()[-2000:]}")  # type: ignore[union-attr]
        count = subprocess.run([sys.executable, "-c", "import json, sys; print(len(json.load(open(sys.argv[1]))))",
                                out.name], capture_output=True, text=True, check=True).stdout
        return wall, usage.ru_maxrss / 1024, int(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--az", help="also time this Azure CLI listing the same subscriptions")
    parser.add_argument("--az-runs", type=int, default=1)
    opts = parser.parse_args()
    exe = amlevents_exe()
    with tempfile.TemporaryDirectory() as tmp:
        seed = dict(SEED, workspaces=[{"name": "local-workspace", "resourceGroup": "amlevents-local",
                                       "eventSubscriptions": [{"count": opts.count, "namePrefix": "sub-",
                                                               "endpoint": "https://example.com/h"}]}])
        start = time.perf_counter()
        with serve_seed(seed, tmp) as served:
            ready, env = served.ready, served.env
            started = time.perf_counter() - start
            argv = [*exe, "subscription", "list", "-o", "json", "-w", "local-workspace", "-g", "amlevents-local",
                    "-s", SEED["subscriptionId"]]
            walls, peaks, cpus = [], [], []
            for _ in range(opts.runs):
                cpu_before = cpu_seconds(served.pid)
                wall, peak, items = run_client(argv, env)
                cpus.append(cpu_seconds(served.pid) - cpu_before)
                walls.append(wall)
                peaks.append(peak)
                if items != opts.count:
                    sys.exit(f"listed {items} subscriptions, seeded {opts.count}")
            az = time_az(opts, ready, Path(tmp)) if opts.az else None
    print(f"emulator ready with {opts.count} seeded subscriptions in {started:.2f} s")
    print(f"subscription list: median wall {statistics.median(walls):.2f} s (runs: "
          f"{', '.join(f'{w:.2f}' for w in walls)}), peak RSS {max(peaks):.0f} MiB, "
          f"emulator CPU per list {statistics.median(cpus):.2f} s; peaks: {[round(p) for p in peaks]}")
    if az:
        version, az_walls, az_peaks = az
        print(f"az {version} eventgrid event-subscription list: median wall {statistics.median(az_walls):.2f} s "
              f"(runs: {', '.join(f'{w:.2f}' for w in az_walls)}), peak RSS {max(az_peaks):.0f} MiB; "
              f"amlevents/az {statistics.median(walls) / statistics.median(az_walls):.3f}")


def time_az(opts: argparse.Namespace, ready: dict, tmp: Path) -> tuple[str, list[float], list[float]]:
    """az's version and (wall, peak RSS) of each of its runs listing the same workspace's subscriptions."""
    sys.path.insert(0, str(Path(__file__).parent))
    # the same az sign-in at the emulator as the side-by-side benchmark
    from az_side_by_side import Bench

    bench = Bench(ready, opts.az, tmp)
    version = bench.az_setup()
    argv = [opts.az, "eventgrid", "event-subscription", "list", "--source-resource-id", bench.workspace, "-o", "json"]
    walls, peaks = [], []
    for _ in range(opts.az_runs):
        wall, peak, items = run_client(argv, bench.az_env)
        if items != opts.count:
            sys.exit(f"az listed {items} subscriptions, seeded {opts.count}")
        walls.append(wall)
        peaks.append(peak)
    return version, walls, peaks


if __name__ == "__main__":
    main()
