"""How long `amlevents subscription create` takes when Event Grid needs 3 s to provision (issue 4).

Starts `amlevents emulator serve --provisioning-delay 3` (no Retry-After, as Event Grid answers), then times
whole `amlevents --emulator URL subscription create` processes, and, for comparison, the SDK's default poller
(`polling_interval` 30 s) doing the same create once.

Usage: python bench/create_latency.py [--runs 5] [--delay 3] [--skip-sdk-default]

Measure an installation as users have it: with compiled bytecode. From an editable checkout run
`python -m compileall -q src` first and leave PYTHONDONTWRITEBYTECODE unset (otherwise every run recompiles
amlevents' own modules, ~0.1 s).
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

import requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--delay", type=float, default=3.0)
    parser.add_argument("--skip-sdk-default", action="store_true")
    opts = parser.parse_args()
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set; see the docstring", file=sys.stderr)
    tmp = tempfile.mkdtemp(prefix="amlevents-bench-")
    server = subprocess.Popen([sys.executable, "-m", "amlevents", "emulator", "serve", "--provisioning-delay",
                               str(opts.delay), "--cert-dir", os.path.join(tmp, "certs")],
                              stdout=subprocess.PIPE, text=True)
    info = json.loads(server.stdout.readline())
    env = {**os.environ, "AMLEVENTS_EMULATOR": info["url"], "AMLEVENTS_EMULATOR_CA": info["caCert"]}
    try:
        samples, counts = [], []
        for i in range(opts.runs):
            requests.delete(info["url"] + "/_emulator/requests", verify=info["caCert"], timeout=30)
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "amlevents", "subscription", "create", f"bench-{i:03d}",
                                   "--endpoint", "https://example.com/hook", "-o", "none"], env=env,
                                  capture_output=True, text=True)
            samples.append(time.perf_counter() - start)
            assert proc.returncode == 0, proc.stderr
            log = requests.get(info["url"] + "/_emulator/requests", verify=info["caCert"], timeout=30).json()
            counts.append((len(log), sum("/operationsstatus/" in r["path"].lower() for r in log)))
        print(f"provisioning delay {opts.delay:g} s, {opts.runs} runs")
        print(f"| amlevents subscription create (whole process) | median {statistics.median(samples):.2f} s | "
              f"min {min(samples):.2f} s | max {max(samples):.2f} s |")
        print(f"| requests per create (emulator request log; status checks) | median "
              f"{statistics.median(c[0] for c in counts):g} ({statistics.median(c[1] for c in counts):g}) | | |")
        if not opts.skip_sdk_default:
            print(f"| SDK default poller, same create (1 run) | {sdk_default(info):.2f} s | | |")
    finally:
        server.terminate()
        server.wait(timeout=20)


def sdk_default(info: dict) -> float:
    from azure.mgmt.eventgrid import EventGridManagementClient

    from amlevents.emulator import EmulatorCredential

    client = EventGridManagementClient(EmulatorCredential("owner", info["principals"]), info["subscriptionId"],
                                       base_url=info["url"], connection_verify=info["caCert"],
                                       credential_scopes=["https://management.azure.com/.default"])
    scope = info["workspaces"][0]["id"]
    body = {"destination": {"endpointType": "WebHook", "properties": {"endpointUrl": "https://example.com/hook"}}}
    start = time.perf_counter()
    client.event_subscriptions.begin_create_or_update(scope, "bench-sdk-default", body).result()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
