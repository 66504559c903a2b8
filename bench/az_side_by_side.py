"""amlevents and the Azure CLI side by side on one emulator: create, list, show and delete of the same subscription.

Both tools sign in for real as the emulator's `owner` service principal: az through a registered cloud
(`az cloud register` reading the emulator's metadata, `az login --service-principal`), amlevents through
azure-identity (`AZURE_AUTHORITY_HOST` = the emulator). The emulator provisions in 3 s and, like Event Grid, sends
no Retry-After. Every command is a whole process, timed from start to exit; the requests each one sent are read
from the emulator's request log (ARM requests and sign-in requests counted apart).

Needs an Azure CLI. Install one in a separate virtual environment (it is large, ~730 MB, and pins its own SDKs):

    python -m venv ~/.venvs/azure-cli && ~/.venvs/azure-cli/bin/pip install azure-cli
    python bench/az_side_by_side.py --az ~/.venvs/azure-cli/bin/az        # or put az on PATH / set AZ

Usage: python bench/az_side_by_side.py [--az PATH] [--runs 3] [--delay 3] [--steps list,show] [--json results.json]

`--steps list,show` measures the reads alone (the subscription is created once, unmeasured, beforehand): many runs
of the two sub-second steps in a minute, instead of a minute per run of create and delete.

Without an Azure CLI it says so and exits 0 (nothing to compare). Measure amlevents as installed: compiled
bytecode (`python -m compileall -q src`), PYTHONDONTWRITEBYTECODE unset.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

STEPS = ("create", "list", "show", "delete")
NAME = "side-by-side"
ENDPOINT = "https://example.com/hook"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--az", default=os.environ.get("AZ") or shutil.which("az"), help="the az executable")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay", type=float, default=3.0, help="provisioning delay of the emulator, seconds")
    parser.add_argument("--steps", default=",".join(STEPS), help="comma-separated steps to measure; create and "
                        "delete together or neither (default: all four)")
    parser.add_argument("--json", help="also write every sample to this file")
    opts = parser.parse_args()
    opts.steps = tuple(step for step in STEPS if step in opts.steps.split(","))
    if not opts.steps or ("create" in opts.steps) != ("delete" in opts.steps):
        parser.error(f"--steps: a subset of {','.join(STEPS)} with create and delete together or neither")
    if not opts.az or not Path(opts.az).exists():
        print("no Azure CLI found (--az, AZ or PATH); see the docstring for how to install one", file=sys.stderr)
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="amlevents-az-bench-"))
    server = subprocess.Popen([sys.executable, "-m", "amlevents", "emulator", "serve", "--provisioning-delay",
                               str(opts.delay), "--cert-dir", str(tmp / "certs")], stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(server.stdout.readline())
        bench = Bench(info, opts.az, tmp)
        version = bench.az_setup()
        if "create" not in opts.steps:  # the reads need a subscription to read
            bench.measure("amlevents", "create")
        samples: dict[str, dict[str, list[Any]]] = {tool: {s: [] for s in opts.steps}
                                                    for tool in ("az", "amlevents")}
        for run in range(opts.runs):
            for tool in ("az", "amlevents"):  # alternate, so drift of a noisy machine hits both
                for step in opts.steps:
                    samples[tool][step].append(bench.measure(tool, step))
            print(f"run {run + 1}/{opts.runs} done", file=sys.stderr)
        print(report(samples, version, opts))
        if opts.json:
            Path(opts.json).write_text(json.dumps({"az": version, "samples": samples}, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


class Bench:
    """One emulator, one az configuration directory, and the commands of both tools."""

    def __init__(self, info: dict[str, Any], az: str, tmp: Path) -> None:
        self.info, self.az, self.tmp = info, az, tmp
        self.url, self.ca = info["url"], info["caCert"]
        self.workspace = info["workspaces"][0]["id"]
        client_id, secret = info["clients"]["owner"]["clientId"], info["clients"]["owner"]["clientSecret"]
        self.login = (client_id, secret, info["tenantId"])
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "AMLEVENTS_"))}
        self.az_env = {**base, "AZURE_CONFIG_DIR": str(tmp / "az"), "AZURE_CORE_COLLECT_TELEMETRY": "no",
                       "AZURE_CORE_ONLY_SHOW_ERRORS": "yes", "REQUESTS_CA_BUNDLE": self.ca}
        self.aml_env = {**base, "AMLEVENTS_EMULATOR": self.url, "AMLEVENTS_EMULATOR_CA": self.ca,
                        "AZURE_AUTHORITY_HOST": self.url, "AZURE_CLIENT_ID": client_id,
                        "AZURE_CLIENT_SECRET": secret, "AZURE_TENANT_ID": info["tenantId"]}

    def _az(self, *args: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([self.az, *args], env=self.az_env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"az {' '.join(args[:3])} failed ({proc.returncode}): {proc.stderr.strip()}")
        return proc

    def az_setup(self) -> str:
        """Register the emulator as a cloud (endpoints discovered from its metadata) and sign in; az's version."""
        version = json.loads(self._az("version", "-o", "json").stdout)["azure-cli"]
        self._az("cloud", "register", "-n", "AmlEventsEmulator", "--endpoint-resource-manager", self.url + "/")
        self._az("cloud", "set", "-n", "AmlEventsEmulator")
        self._az("config", "set", "core.instance_discovery=false")
        client_id, secret, tenant = self.login
        self._az("login", "--service-principal", "-u", client_id, "-p", secret, "--tenant", tenant, "-o", "none")
        return version

    def command(self, tool: str, step: str) -> list[str]:
        if tool == "az":
            base = [self.az, "eventgrid", "event-subscription", step, "--source-resource-id", self.workspace]
            extra = {"create": ["--name", NAME, "--endpoint", ENDPOINT], "list": [], "show": ["--name", NAME],
                     "delete": ["--name", NAME]}[step]
            return [*base, *extra, "-o", "json"]
        base = [sys.executable, "-m", "amlevents", "subscription", step]
        extra = {"create": [NAME, "--endpoint", ENDPOINT], "list": [], "show": [NAME], "delete": [NAME, "--yes"]}[step]
        return [*base, *extra, "-o", "json"]

    def measure(self, tool: str, step: str) -> dict[str, Any]:
        requests.delete(f"{self.url}/_emulator/requests", verify=self.ca, timeout=10)
        env = self.az_env if tool == "az" else self.aml_env
        start = time.perf_counter()
        proc = subprocess.run(self.command(tool, step), env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{tool} {step} failed ({proc.returncode}): {proc.stderr.strip()}")
        entries = requests.get(f"{self.url}/_emulator/requests", verify=self.ca, timeout=10).json()
        login = [e for e in entries if e.get("service") == "login"]
        arm = [e for e in entries if e.get("service") != "login"]
        return {"seconds": round(seconds, 3), "arm": len(arm), "login": len(login),
                "requests": [f"{e['method']} {short(e['path'])} {e['status']}" for e in entries]}


def short(path: str) -> str:
    """The tail of an ARM path that says what it is (operation ids elided)."""
    parts = path.split("/")
    if "operationsStatus" in parts or "operationResults" in parts:
        return "…/" + parts[-2] + "/{op}"
    if "providers" in parts:
        i = len(parts) - 1 - parts[::-1].index("providers")
        return "…/" + "/".join(parts[i + 1:])
    return path


def report(samples: dict[str, dict[str, list[dict[str, Any]]]], version: str, opts: argparse.Namespace) -> str:
    lines = [(f"azure-cli {version}; provisioning delay {opts.delay:g} s, no Retry-After; {opts.runs} runs; "
              "medians of whole processes"), "",
             ("| step | az (s) | amlevents (s) | az / amlevents | az requests (ARM + sign-in) | "
              "amlevents requests (ARM + sign-in) |"), "|---|---|---|---|---|---|"]
    totals = {"az": 0.0, "amlevents": 0.0}
    for step in opts.steps:
        row = [step]
        medians = {}
        for tool in ("az", "amlevents"):
            medians[tool] = statistics.median(s["seconds"] for s in samples[tool][step])
            totals[tool] += medians[tool]
        row += [f"{medians['az']:.2f}", f"{medians['amlevents']:.2f}", f"{medians['az'] / medians['amlevents']:.2f}x"]
        for tool in ("az", "amlevents"):
            last = samples[tool][step][-1]
            row.append(f"{last['arm']} + {last['login']}")
        lines.append("| " + " | ".join(row) + " |")
    lines.append(f"| **{'all four' if len(opts.steps) == len(STEPS) else 'total'}** | {totals['az']:.2f} | "
                 f"{totals['amlevents']:.2f} | {totals['az'] / totals['amlevents']:.2f}x | | |")
    lines += ["", "Requests of the last run, in order:", ""]
    for tool in ("az", "amlevents"):
        for step in opts.steps:
            lines.append(f"- {tool} {step}: " + ", ".join(samples[tool][step][-1]["requests"]))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
