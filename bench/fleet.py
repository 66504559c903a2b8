"""The fleet commands at fleet size, as whole processes: wall time and peak RSS of each.

Starts `amlevents emulator serve --seed FILE --latency 50` with the compact fleet seed (default 20 Azure
subscriptions x 50 workspaces x 5 event subscriptions: 1,000 workspaces, 5,000 event subscriptions), then runs,
RUNS times each, against it:

- `subscription list --all-subscriptions -o json` (target: < 5 s, < 150 MB)
- `audit --all-subscriptions -o json` (target: < 10 s)
- `workspace list --all-subscriptions -o json`
- `plan -f fleet.yaml -o json`, a manifest whose one entry SELECTS every fleet workspace with the subscriptions
  the seed gave them (target: < 10 s, 0 writes: every step no-change; the emulator's request log is checked), and
  the same with `--visible-only` (no getFullUrl: the webhooks' query strings unverified)

and prints the medians (wall seconds, peak RSS of that one process from wait4), the number of items printed, and
the CPU seconds of the client and of the emulator during it (on a shared machine the wall time also counts what
other processes took; the CPU seconds do not).

Usage: python bench/fleet.py [--subscriptions 20] [--workspaces 50] [--per-workspace 5] [--latency 50] [--runs 5]
                             [--only plan]   (run only the commands whose label contains this text)
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchlib import (
    add_fleet_options,
    amlevents_exe,
    cpu_seconds,
    fleet_seed,
    serve_seed,
)

COMMANDS = {
    "subscription list --all-subscriptions -o json": ["subscription", "list", "--all-subscriptions", "-o", "json"],
    "audit --all-subscriptions -o json": ["audit", "--all-subscriptions", "-o", "json"],
    "workspace list --all-subscriptions -o json": ["workspace", "list", "--all-subscriptions", "-o", "json"],
    "plan -f fleet.yaml -o json (selector manifest)": ["plan", "-f", "{manifest}", "-o", "json"],
    "plan -f fleet.yaml --visible-only -o json": ["plan", "-f", "{manifest}", "--visible-only", "-o", "json"],
}
WRITES = ("PUT", "PATCH", "DELETE")


def selector_manifest(per_workspace: int) -> dict:
    """One entry selecting every fleet workspace (fleet01-ws001 ...) with the seed's event subscriptions."""
    width = len(str(per_workspace))  # the seed zero-pads the generated names
    subs = [{"name": f"es-{i:0{width}d}", "destination": {"endpoint": "https://fleet.example.com/hook"}}
            for i in range(1, per_workspace + 1)]
    return {"version": 1, "workspaces": [{"select": {"subscriptions": "*", "names": ["fleet*"]},
                                          "subscriptions": subs}]}


def emulator_writes(ready: dict) -> int:
    """Writes in the emulator's request log (``/_emulator/requests``), which is then cleared."""
    context = ssl.create_default_context(cafile=ready["caCert"])
    url = ready["url"].rstrip("/") + "/_emulator/requests"
    with urllib.request.urlopen(url, context=context) as answer:
        count = sum(1 for r in json.load(answer) if r["method"] in WRITES)
    urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), context=context).close()
    return count


def run_client(argv: list[str], env: dict[str, str], server_pid: int) -> tuple[float, float, int, float, float | None]:
    """(wall seconds, peak RSS MiB of this process, items printed, its CPU seconds, the emulator's CPU seconds
    meanwhile) of one whole client process. The CPU seconds say what the wall time would be on a machine of its
    own: on a shared one, the wall time also counts what the other processes took."""
    # The output is counted by another process: loaded here, it would grow this process, and the next client, forked
    # from it, would count this process's pages in its own peak RSS (ru_maxrss includes them).
    with tempfile.NamedTemporaryFile("w+", suffix=".json") as out:
        server_before = cpu_seconds(server_pid)
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.PIPE, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        server_after = cpu_seconds(server_pid)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(argv[1:])} failed ({proc.returncode}): {proc.stderr.read()[-2000:]}")  # type: ignore[union-attr]
        items = subprocess.run([sys.executable, "-c", "import json, sys; print(len(json.load(open(sys.argv[1]))))",
                                out.name], capture_output=True, text=True, check=True).stdout
        server_cpu = None if server_before is None or server_after is None else server_after - server_before
        return (wall, usage.ru_maxrss / 1024, int(items), usage.ru_utime + usage.ru_stime, server_cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_fleet_options(parser)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="")
    opts = parser.parse_args()
    exe = amlevents_exe()
    seed = fleet_seed(opts.subscriptions, opts.workspaces, opts.per_workspace)
    with tempfile.TemporaryDirectory() as tmp:
        manifest_path = Path(tmp, "fleet.yaml")
        manifest_path.write_text(json.dumps(selector_manifest(opts.per_workspace)))  # JSON is YAML
        with serve_seed(seed, tmp, "--latency", str(opts.latency)) as served:
            ready, env = served.ready, served.env
            print(f"fleet: {opts.subscriptions} subscriptions x {opts.workspaces} workspaces x {opts.per_workspace}"
                  f" event subscriptions; emulator latency {opts.latency} ms; {opts.runs} runs; "
                  f"load average {os.getloadavg()[0]:.2f} at start\n")
            print("| command | median wall (s) | runs (s) | peak RSS (MiB) | items | writes | client CPU (s) "
                  "| emulator CPU (s) |")
            print("|---|---|---|---|---|---|---|---|")
            for label, args in COMMANDS.items():
                if opts.only not in label:
                    continue
                emulator_writes(ready)  # clears the log
                argv = [*exe, *(str(manifest_path) if a == "{manifest}" else a for a in args)]
                runs = [run_client(argv, env, served.pid) for _ in range(opts.runs)]
                walls = [r[0] for r in runs]
                server_cpu = [r[4] for r in runs if r[4] is not None]
                print(f"| `{label}` | {statistics.median(walls):.2f} | {', '.join(f'{w:.2f}' for w in walls)} | "
                      f"{max(r[1] for r in runs):.1f} | {runs[0][2]:,} | {emulator_writes(ready)} | "
                      f"{statistics.median(r[3] for r in runs):.2f} | "
                      f"{f'{statistics.median(server_cpu):.2f}' if server_cpu else '-'} |")
            print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
