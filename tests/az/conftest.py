"""The Azure CLI against `amlevents emulator serve`: one emulator and one signed-in az per test process.

az is found through ``AMLEVENTS_AZ`` or ``PATH``; without it every test here skips (CI has no az). It runs in
its own configuration directory (``AZURE_CONFIG_DIR`` under pytest's tmp), trusts the emulator's CA through
``REQUESTS_CA_BUNDLE`` and reaches it as a registered cloud, exactly as README "The Azure CLI" tells a user.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

# Read at import, before the autouse fixture of tests/conftest.py clears AMLEVENTS_* for each test.
AZ = os.environ.get("AMLEVENTS_AZ") or shutil.which("az")
INSTALL = ("Azure CLI not found: set AMLEVENTS_AZ to an az executable or put az on PATH (install it in its own "
           "virtual environment: python -m venv ~/.venvs/azure-cli && ~/.venvs/azure-cli/bin/pip install azure-cli)")


class AzFailed(AssertionError):
    """az exited non-zero where the scenario expected success."""


class Az:
    """A signed-in az pointed at one emulator process, and that emulator's admin endpoints."""

    def __init__(self, info: dict[str, Any], executable: str, config_dir: Path) -> None:
        self.info, self.url, self.ca = info, info["url"], info["caCert"]
        self.workspaces = [w["id"] for w in info["workspaces"]]
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "AMLEVENTS_"))}
        self.executable = executable
        self.env = {**base, "AZURE_CONFIG_DIR": str(config_dir), "AZURE_CORE_COLLECT_TELEMETRY": "no",
                    "AZURE_CORE_ONLY_SHOW_ERRORS": "yes", "REQUESTS_CA_BUNDLE": self.ca}

    def proc(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``az args`` and return the finished process, whatever its exit code."""
        return subprocess.run([self.executable, *args], env=self.env, capture_output=True, text=True, timeout=300,
                              check=False)

    def __call__(self, *args: str) -> Any:
        """Run ``az args -o json`` and return its parsed output (None when it printed nothing)."""
        done = self.proc(*args, "-o", "json")
        if done.returncode != 0:
            raise AzFailed(f"az {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
        return json.loads(done.stdout) if done.stdout.strip() else None

    def fails(self, *args: str) -> str:
        """Run ``az args``, assert that it fails, and return its stderr."""
        done = self.proc(*args, "-o", "json")
        assert done.returncode != 0, f"az {' '.join(args)} succeeded: {done.stdout[:500]}"
        return done.stderr

    def admin(self, method: str, what: str) -> Any:
        """Call the emulator's admin endpoint ``/_emulator/{what}``."""
        response = requests.request(method, f"{self.url}/_emulator/{what}", verify=self.ca, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def requests(self) -> list[dict[str, Any]]:
        """The ARM requests the emulator logged since the last reset (sign-in requests left out)."""
        return [e for e in self.admin("GET", "requests") if e.get("service") != "login"]

    def setup(self) -> None:
        """Register the emulator as a cloud (endpoints from its metadata), turn instance discovery off, sign in."""
        owner = self.info["clients"]["owner"]
        for args in (("cloud", "register", "-n", "AmlEventsEmulator", "--endpoint-resource-manager", self.url + "/"),
                     ("cloud", "set", "-n", "AmlEventsEmulator"),
                     ("config", "set", "core.instance_discovery=false"),
                     ("login", "--service-principal", "-u", owner["clientId"], "-p", owner["clientSecret"],
                      "--tenant", self.info["tenantId"])):
            self(*args)


@pytest.fixture(scope="session")
def az_session(tmp_path_factory):
    """`amlevents emulator serve` as a process (provisioning delay 0) with az signed in to it."""
    if not AZ or not Path(AZ).exists():
        pytest.skip(INSTALL)
    tmp = tmp_path_factory.mktemp("az-emulator")
    server = subprocess.Popen([sys.executable, "-m", "amlevents", "emulator", "serve", "--cert-dir",
                               str(tmp / "certs")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert line, server.stderr.read()
        az = Az(json.loads(line), AZ, tmp / "az")
        az.setup()
        yield az
    finally:
        server.terminate()
        server.communicate(timeout=30)


@pytest.fixture
def az(az_session):
    """The signed-in az, with the emulator back at its seed (no subscriptions, no topics, empty request log)."""
    az_session.admin("POST", "reset")
    return az_session
