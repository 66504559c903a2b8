"""Desired state at scale (issue 5): 100 subscriptions over 10 workspaces, emulator latency 50 ms and a 2 s
provisioning delay. Times `apply` from empty and the no-change `plan` that follows, as whole processes.

Usage: python bench/desired_state.py [--workspaces 10] [--per-workspace 10] [--latency 50] [--delay 2]
       [--concurrency 16] [--runs 3]
Run from an installation with compiled bytecode (see bench/create_latency.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

EVENT_TYPES = ["ModelRegistered", "ModelDeployed", "RunCompleted", "DatasetDriftDetected", "RunStatusChanged"]


def seed(workspaces: int) -> dict:
    return {
        "subscriptionId": "00000000-0000-0000-0000-000000000000",
        "tenantId": "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
        "resourceGroups": [{"name": "bench-rg", "location": "eastus"}],
        "workspaces": [{"name": f"ws-{i:02d}", "resourceGroup": "bench-rg"} for i in range(workspaces)],
        "principals": {"owner": {"objectId": "11111111-1111-4111-8111-111111111111"}},
        "roleAssignments": [{"principal": "owner", "role": "Owner", "scope": "/subscriptions/{subscriptionId}"}],
    }


def manifest(workspaces: int, per_workspace: int) -> dict:
    subs = []
    for j in range(per_workspace):
        subs.append({
            "name": f"sub-{j:02d}",
            "eventTypes": [EVENT_TYPES[j % 5]],
            "advancedFilters": [f"data.tag{j} StringIn a{j} b{j}"],
            "labels": ["bench", f"n{j}"],
            "retry": {"maxDeliveryAttempts": 1 + j % 30},
        })
    return {
        "version": 1,
        "defaults": {"destination": {"endpointType": "webhook", "endpoint": "https://example.com/hook?code=${HOOK_KEY}"}},
        "workspaces": [{"name": f"ws-{i:02d}", "resourceGroup": "bench-rg", "subscriptions": subs}
                       for i in range(workspaces)],
    }


def request_counts(info: dict) -> dict[str, int]:
    """What the emulator's request log holds (its admin API): all requests, status checks, subscription GETs."""
    import requests

    log = requests.get(info["url"] + "/_emulator/requests", verify=info["caCert"], timeout=30).json()
    return {"requests": len(log),
            "status checks": sum("/operationsstatus/" in r["path"].lower() for r in log),
            "subscription GETs": sum(r["method"] == "GET" and "/eventsubscriptions/" in r["path"].lower()
                                     for r in log)}


def timed(argv: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    assert proc.returncode in ok, (proc.returncode, proc.stderr[-2000:])
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspaces", type=int, default=10)
    parser.add_argument("--per-workspace", type=int, default=10)
    parser.add_argument("--latency", type=int, default=50)
    parser.add_argument("--delay", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="amlevents-bench-")
    with open(os.path.join(tmp, "seed.yaml"), "w") as f:
        yaml.safe_dump(seed(opts.workspaces), f)
    with open(os.path.join(tmp, "manifest.yaml"), "w") as f:
        yaml.safe_dump(manifest(opts.workspaces, opts.per_workspace), f, sort_keys=False)
    applies, plans, counts = [], [], []
    for run in range(opts.runs):
        server = subprocess.Popen(
            [sys.executable, "-m", "amlevents", "emulator", "serve", "--seed", os.path.join(tmp, "seed.yaml"),
             "--latency", str(opts.latency), "--provisioning-delay", str(opts.delay),
             "--cert-dir", os.path.join(tmp, "certs")], stdout=subprocess.PIPE, text=True)
        info = json.loads(server.stdout.readline())
        env = {**os.environ, "AMLEVENTS_EMULATOR": info["url"], "AMLEVENTS_EMULATOR_CA": info["caCert"],
               "HOOK_KEY": "s3cret"}
        base = [sys.executable, "-m", "amlevents"]
        try:
            applies.append(timed(base + ["apply", "-f", os.path.join(tmp, "manifest.yaml"), "--yes", "-o", "none",
                                         "--concurrency", str(opts.concurrency)], env))
            counts.append(request_counts(info))
            plans.append(timed(base + ["plan", "-f", os.path.join(tmp, "manifest.yaml"), "--detailed-exitcode",
                                       "-o", "none"], env))
        finally:
            server.terminate()
            server.wait(timeout=30)
    total = opts.workspaces * opts.per_workspace
    print(f"{total} subscriptions over {opts.workspaces} workspaces, latency {opts.latency} ms, provisioning "
          f"{opts.delay:g} s, concurrency {opts.concurrency}, {opts.runs} runs (fresh emulator each)")
    print(f"| apply from empty (whole process) | median {statistics.median(applies):.2f} s | "
          f"min {min(applies):.2f} s | max {max(applies):.2f} s |")
    print(f"| plan, no changes (whole process) | median {statistics.median(plans):.2f} s | "
          f"min {min(plans):.2f} s | max {max(plans):.2f} s |")
    for key in counts[0]:
        print(f"| apply: {key} (emulator request log) | median {statistics.median(c[key] for c in counts):g} | "
              f"min {min(c[key] for c in counts)} | max {max(c[key] for c in counts)} |")


if __name__ == "__main__":
    main()
