"""Whole-process start-up times of offline commands (median of N runs, after warm-up).

Usage: python bench/startup.py [--runs 21]
Prints a Markdown table for BENCHMARKS.md and whether any azure.* module was imported on each path.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

from benchlib import amlevents_exe

COMMANDS = [
    ["--help"],
    ["events", "list", "-o", "json"],
    ["events", "sample", "ModelRegistered"],
    ["events", "test", "--help"],
    ["subscription", "create", "--help"],  # the largest command (~50 options): its group builds only it
]
PROBE = (
    # the Typer app, not main(): main() ends the process with os._exit before this could count anything
    "import sys; from amlevents.cli.app import app; sys.argv=['amlevents', *sys.argv[1:]]\n"
    "try:\n    app(prog_name='amlevents')\nexcept SystemExit:\n    pass\n"
    "sys.stderr.write(str(sum(1 for m in sys.modules if m.startswith('azure'))))"
)


def time_once(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return (time.perf_counter() - start) * 1000


def azure_modules(args: list[str]) -> int:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True)
    return int(proc.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    opts = parser.parse_args()
    exe = amlevents_exe()
    print(f"<!-- {time.strftime('%Y-%m-%d')} {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} cores, {opts.runs} runs each after 2 warm-ups -->")
    print("| command | median ms | min ms | azure modules imported |")
    print("|---|---|---|---|")
    for args in COMMANDS:
        argv = exe + args
        for _ in range(2):
            time_once(argv)
        samples = [time_once(argv) for _ in range(opts.runs)]
        print(f"| `amlevents {' '.join(args)}` | {statistics.median(samples):.0f} | {min(samples):.0f} | "
              f"{azure_modules(args)} |")
    baseline = [time_once([sys.executable, "-c", "pass"]) for _ in range(opts.runs)]
    print(f"| `python -c pass` (floor) | {statistics.median(baseline):.0f} | {min(baseline):.0f} | 0 |")


if __name__ == "__main__":
    main()
