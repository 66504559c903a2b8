"""What the benches that time whole `amlevents` processes share: the command to run, a process's CPU seconds, and
an emulator serving a seed file in a subprocess (its ready line, the environment that points the CLI at it).

Imported by the scripts in this directory (run as ``python bench/NAME.py``, so this directory is on ``sys.path``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def amlevents_exe() -> list[str]:
    """The installed console script, else ``python -m amlevents``."""
    exe = os.path.join(os.path.dirname(sys.executable), "amlevents")
    return [exe] if os.path.exists(exe) else [sys.executable, "-m", "amlevents"]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a running process has used so far (Linux's /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Served:
    """A running ``amlevents emulator serve``: its ready line, its process id, and the environment (config and data
    in the same directory) that points a CLI process at it."""

    ready: dict[str, Any]
    pid: int
    env: dict[str, str]


@contextmanager
def serve_seed(seed: dict[str, Any], directory: str, *options: str) -> Iterator[Served]:
    """``amlevents emulator serve --seed`` of ``seed`` (written to ``directory``, its certificates there too) with
    ``options`` (``--latency 50`` ...), stopped on exit."""
    seed_path = Path(directory, "seed.json")
    seed_path.write_text(json.dumps(seed))
    server = subprocess.Popen([*amlevents_exe(), "emulator", "serve", "--seed", str(seed_path), "--cert-dir",
                               directory, *options], stdout=subprocess.PIPE, text=True)
    try:
        ready = json.loads(server.stdout.readline())  # type: ignore[union-attr]
        env = {**os.environ, "AMLEVENTS_EMULATOR": ready["url"], "AMLEVENTS_EMULATOR_CA": ready["caCert"],
               "AMLEVENTS_CONFIG_DIR": directory, "AMLEVENTS_DATA_DIR": directory}
        yield Served(ready, server.pid, env)
    finally:
        server.terminate()
        server.wait(timeout=30)


def add_fleet_options(parser: Any) -> None:
    """The fleet's shape and the emulator's latency, as every fleet bench takes them."""
    parser.add_argument("--subscriptions", type=int, default=20)
    parser.add_argument("--workspaces", type=int, default=50)
    parser.add_argument("--per-workspace", type=int, default=5)
    parser.add_argument("--latency", type=int, default=50)


def fleet_seed(subscriptions: int, workspaces: int, event_subscriptions: int) -> dict[str, Any]:
    """The emulator's compact fleet seed: ``workspaces`` per Azure subscription over two locations, each holding
    ``event_subscriptions`` webhook subscriptions."""
    return {"fleet": {"subscriptions": subscriptions, "workspacesPerSubscription": workspaces,
                      "eventSubscriptionsPerWorkspace": event_subscriptions, "locations": ["eastus", "westeurope"]}}
