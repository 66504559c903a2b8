"""`apply` creating thousands of event subscriptions under ARM-like write throttling: wall time against the bound.

Starts `amlevents emulator serve --seed FILE --latency 50` with a fleet seed of NO event subscriptions (default 20
Azure subscriptions x 50 workspaces: 1,000 workspaces), turns on the emulator's ARM-like throttling
(`PUT /_emulator/config {"armThrottling": {"writes": {"burst": B, "perSecond": R}}}`; reads and deletes keep ARM's
250 + 25/s and 200 + 10/s), then times one whole process:

    amlevents apply -f fleet.yaml --yes -o json

where fleet.yaml's one entry SELECTS every fleet workspace and asks for `--per-workspace` (5) webhook subscriptions
on each: 5,000 creates, 250 per Azure subscription.

The bound. Each Azure subscription has its own bucket of B writes refilled R a second, and the subscriptions are
independent, so the slowest subscription sets the bound: max over subscriptions of (writes - B) / R seconds
(0 when the burst covers them). Writes are counted from the emulator's request log (every successful PUT, system
topics included). The default burst is 20, not ARM's 200: with 250 creates per subscription a 200 burst would leave
a bound of 2.5 s, set by the client's own speed rather than by the throttle; a burst of 20 makes the throttle the
limit (bound 11.5 s at 20/s) while keeping a burst, as ARM has.

Reported: wall, bound, ratio wall/bound (issue 15's target: <= 1.15), writes made, 429s the emulator answered and
how many the client announced as retried ("Azure asked to wait ... (throttled)" on stderr), failed steps (from the
apply's JSON result), other non-2xx answers; where the time went (before the first write, writing, after the last
write), the ends of the process (launch to its first request; its last request to its exit), the reads after the
last write, and the slowest subscription's pace beyond its burst (the throttle's rate when the pacer keeps up); the
client's and the emulator's CPU seconds; the load average (the machine is shared: say so with the figures).

Diagnostics: ``--named-interleaved`` names the workspaces alternating between subscriptions instead of selecting
them (what interleaving the writes gains); ``--py-spy FILE`` records the client; ``--save-log FILE`` keeps the
request log.

The request log keeps the newest 10,000 entries, so it is read (not cleared) every few seconds during the run and
merged (each entry is stamped with its time).

Usage: python bench/fleet_apply.py [--subscriptions 20] [--workspaces 50] [--per-workspace 5] [--latency 50]
                                   [--rate 20] [--burst 20] [--concurrency 16] [--runs 1]
                                   [--named-interleaved] [--py-spy FILE] [--save-log FILE]
       small and fast:  python bench/fleet_apply.py --subscriptions 4 --workspaces 25
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchlib import (
    add_fleet_options,
    amlevents_exe,
    cpu_seconds,
    fleet_seed,
    serve_seed,
)

WRITES = ("PUT", "PATCH", "POST", "DELETE")  # POST counts: ARM's write bucket takes POSTs too
THROTTLED = "(throttled)"  # arm/retry.py's announcement of a 429 it waits out and retries


def selector_manifest(per_workspace: int) -> dict[str, Any]:
    """One entry selecting every fleet workspace (fleet01-ws01 ...) with ``per_workspace`` new webhook
    subscriptions (names the seed does not use)."""
    subs = [{"name": f"new-{i}", "destination": {"endpoint": "https://fleet.example.com/hook"}}
            for i in range(1, per_workspace + 1)]
    return {"version": 1, "workspaces": [{"select": {"subscriptions": "*", "names": ["fleet*"]},
                                          "subscriptions": subs}]}


def named_interleaved_manifest(subscriptions: int, workspaces: int, per_workspace: int) -> dict[str, Any]:
    """The same workspaces NAMED, in round-robin order of their Azure subscriptions (fleet1-ws01, fleet2-ws01, ...):
    a diagnostic showing what an apply gains when its writes alternate between subscriptions."""
    from amlevents.emulator.runtime.fleet import fleet_subscription_id

    sub_width, ws_width = len(str(subscriptions)), len(str(max(workspaces, 1)))
    subs = [{"name": f"new-{i}", "destination": {"endpoint": "https://fleet.example.com/hook"}}
            for i in range(1, per_workspace + 1)]
    return {"version": 1, "workspaces": [
        {"name": f"fleet{s:0{sub_width}d}-ws{w:0{ws_width}d}", "resourceGroup": "fleet-rg-1",
         "subscriptionId": fleet_subscription_id(s), "subscriptions": subs}
        for w in range(1, workspaces + 1) for s in range(1, subscriptions + 1)]}


class Admin:
    """The emulator's admin API (``/_emulator/...``) over its own TLS."""

    def __init__(self, ready: dict[str, Any]) -> None:
        self.base = ready["url"].rstrip("/") + "/_emulator/"
        self.context = ssl.create_default_context(cafile=ready["caCert"])

    def call(self, method: str, name: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + name, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=self.context) as answer:
            raw = answer.read()
        return json.loads(raw) if raw else None


class LogCollector(threading.Thread):
    """Reads the request log every ``every`` seconds during the run and keeps each entry once (the log holds only
    the newest 10,000)."""

    def __init__(self, admin: Admin, every: float = 4.0) -> None:
        super().__init__(daemon=True)
        self.admin, self.every = admin, every
        self.entries: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.stop = threading.Event()

    def collect(self) -> None:
        for entry in self.admin.call("GET", "requests"):
            key = (entry.get("time"), entry["method"], entry["path"], entry.get("status"))
            self.entries[key] = entry

    def run(self) -> None:
        while not self.stop.wait(self.every):
            self.collect()


def bound(writes_per_sub: dict[str, int], burst: int, rate: float) -> float:
    """The throttle's bound: the slowest subscription's (writes - burst) / rate seconds."""
    return max((max(0, n - burst) / rate for n in writes_per_sub.values()), default=0.0)


def run_apply(argv: list[str], env: dict[str, str], admin: Admin, server_pid: int) -> dict[str, Any]:
    """One apply, as a whole process, with the request log collected while it runs."""
    admin.call("POST", "reset")  # no event subscriptions again, buckets full, log empty
    collector = LogCollector(admin)
    emulator_cpu = cpu_seconds(server_pid)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        collector.start()
        launched, start = time.time(), time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        collector.stop.set()
        collector.join()
        collector.collect()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    stdout = "".join(line for line in stdout.splitlines(True) if not line.startswith("py-spy> "))  # its own notes
    try:
        result = json.loads(stdout)
    except ValueError:
        sys.exit(f"apply printed no JSON (exit {os.waitstatus_to_exitcode(status)}): {stderr[-2000:]}")
    return {"wall": wall, "launched": launched, "exit": os.waitstatus_to_exitcode(status), "result": result,
            "stderr": stderr,
            "log": list(collector.entries.values()), "client_cpu": usage.ru_utime + usage.ru_stime,
            "emulator_cpu": cpu_seconds(server_pid) - emulator_cpu}


def _seconds(entry: dict[str, Any]) -> float:
    """A log entry's time (ARM's 2024-05-01T12:00:00.1234567Z) as epoch seconds."""
    return datetime.strptime(entry["time"][:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()


def phases(log: list[dict[str, Any]], made: list[dict[str, Any]], burst: int,
           launched: float | None = None, wall: float | None = None) -> dict[str, float]:
    """Where the time went, from the request log (each entry stamped when the request arrived): before the first
    write (start-up, discovery, plan, access checks), from the first write to the last, after the last (settling
    the operations); and the slowest subscription's pace beyond its burst (writes a second: the throttle's rate
    when the pacer keeps up). With the process's launch time and wall: ``startup`` (launch to its first request)
    and ``exit`` (its last request to its exit: that answer, building and printing the result, exiting); the reads
    made after the last write (``tail_reads``: pages of the regional lists and workspaces' own lists)."""
    if not made:
        return {"before": 0.0, "writing": 0.0, "after": 0.0, "slowest_rate": 0.0, "startup": 0.0, "ending": 0.0,
                "tail_reads": 0}
    start, end = min(map(_seconds, log)), max(map(_seconds, log))
    first, last = min(map(_seconds, made)), max(map(_seconds, made))
    tail = [e for e in log if e["method"] == "GET" and _seconds(e) > last]
    by_sub: dict[str, list[float]] = collections.defaultdict(list)
    for e in made:
        by_sub[e["path"].split("/")[2].lower()].append(_seconds(e))
    rates = [(len(t) - burst) / (max(t) - min(t)) for t in by_sub.values() if len(t) > burst and max(t) > min(t)]
    return {"before": first - start, "writing": last - first, "after": end - last,
            "slowest_rate": min(rates, default=0.0),
            "startup": start - launched if launched is not None else 0.0,
            "ending": launched + wall - end if launched is not None and wall is not None else 0.0,
            "tail_reads": len(tail)}


def summarise(run: dict[str, Any], burst: int, rate: float) -> dict[str, Any]:
    """The figures of one run (see the module docstring)."""
    log = run["log"]
    writes = [e for e in log if e["method"] in WRITES and e["path"].lower().startswith("/subscriptions/")]
    made = [e for e in writes if e.get("status", 0) < 300]
    per_sub = collections.Counter(e["path"].split("/")[2].lower() for e in made)
    steps = run["result"].get("results", run["result"]) if isinstance(run["result"], dict) else run["result"]
    statuses = collections.Counter(s.get("status") for s in steps) if isinstance(steps, list) else {}
    limit = bound(per_sub, burst, rate)
    return {
        "wall": run["wall"], "bound": limit, "ratio": run["wall"] / limit if limit else float("nan"),
        "writes": len(made), "subscriptions": len(per_sub),
        "writes_429": sum(1 for e in writes if e.get("status") == 429),
        "reads_429": sum(1 for e in log if e["method"] == "GET" and e.get("status") == 429),
        "retried_429": run["stderr"].count(THROTTLED),
        "other_errors": sum(1 for e in log if e.get("status", 0) >= 400 and e.get("status") != 429),
        "steps": dict(statuses), "failed": sum(n for s, n in statuses.items() if s != "applied"),
        "requests": len(log), "exit": run["exit"],
        "client_cpu": run["client_cpu"], "emulator_cpu": run["emulator_cpu"],
        **phases(log, made, burst, run.get("launched"), run["wall"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_fleet_options(parser)
    parser.add_argument("--rate", type=float, default=20.0, help="writes refilled per second per subscription")
    parser.add_argument("--burst", type=int, default=20, help="the write bucket's size per subscription")
    parser.add_argument("--concurrency", type=int, default=16, help="apply --concurrency")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--named-interleaved", action="store_true",
                        help="diagnostic: name the workspaces, alternating subscriptions, instead of one selector")
    parser.add_argument("--py-spy", metavar="FILE",
                        help="record the apply with py-spy into FILE (raw folded stacks of the GIL holder)")
    parser.add_argument("--save-log", metavar="FILE", help="write the last run's request log (JSON) here")
    opts = parser.parse_args()
    exe = amlevents_exe()
    seed = fleet_seed(opts.subscriptions, opts.workspaces, 0)
    with tempfile.TemporaryDirectory() as tmp:
        manifest_path = Path(tmp, "fleet.yaml")
        manifest = (named_interleaved_manifest(opts.subscriptions, opts.workspaces, opts.per_workspace)
                    if opts.named_interleaved else selector_manifest(opts.per_workspace))
        manifest_path.write_text(json.dumps(manifest))  # JSON is YAML
        with serve_seed(seed, tmp, "--latency", str(opts.latency)) as served:
            ready, env = served.ready, served.env
            admin = Admin(ready)
            admin.call("PUT", "config", {"armThrottling": {"enabled": True, "writes": {
                "burst": opts.burst, "perSecond": opts.rate}}})
            argv = [*exe, "apply", "-f", str(manifest_path), "--yes", "--concurrency", str(opts.concurrency),
                    "-o", "json"]
            if opts.py_spy:  # the CPU figures then include py-spy's own
                spy = os.path.join(os.path.dirname(sys.executable), "py-spy")
                argv = [spy, "record", "--gil", "--format", "raw", "--rate", "200", "-o", opts.py_spy, "--", *argv]
            print(f"fleet apply: {opts.subscriptions} subscriptions x {opts.workspaces} workspaces x "
                  f"{opts.per_workspace} creates; emulator latency {opts.latency} ms; write bucket {opts.burst} + "
                  f"{opts.rate:g}/s per subscription; apply --concurrency {opts.concurrency}; "
                  f"load average {os.getloadavg()[0]:.2f} at start\n")
            print("| wall (s) | bound (s) | ratio | writes | 429 writes / reads | 429s retried (stderr) | "
                  "failed steps | other 4xx/5xx | requests | before 1st write (s) | writing (s) | "
                  "after last write (s) | slowest subscription (writes/s) | client CPU (s) | emulator CPU (s) | "
                  "start-up to 1st request (s) | last request to exit (s) | reads after last write |")
            print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            for _ in range(opts.runs):
                run = run_apply(argv, env, admin, served.pid)
                if opts.save_log:
                    Path(opts.save_log).write_text(json.dumps(sorted(run["log"], key=lambda e: e.get("time", 0))))
                s = summarise(run, opts.burst, opts.rate)
                print(f"| {s['wall']:.2f} | {s['bound']:.2f} | {s['ratio']:.2f} | {s['writes']:,} | "
                      f"{s['writes_429']} / {s['reads_429']} | {s['retried_429']} | {s['failed']} | "
                      f"{s['other_errors']} | {s['requests']:,} | {s['before']:.1f} | {s['writing']:.1f} | "
                      f"{s['after']:.1f} | {s['slowest_rate']:.1f} | {s['client_cpu']:.1f} | "
                      f"{s['emulator_cpu']:.1f} | {s['startup']:.2f} | {s['ending']:.2f} | {s['tail_reads']} |")
                if s["exit"] != 0:
                    print(f"  apply exited {s['exit']}; steps {s['steps']}")
            print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
