"""The shipped examples work as documented."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_offline_filter_example_script_passes():
    env = {**os.environ, "PATH": f"{pathlib.Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(["bash", "examples/test-filter.sh"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "behaves as expected" in proc.stdout


def _local_env(tmp_path):
    return {**os.environ, "PATH": f"{pathlib.Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "AMLEVENTS_LOCAL": "1", "AMLEVENTS_DATA_DIR": str(tmp_path / "data")}


def test_setup_workspace_script_is_idempotent_on_the_local_emulator(tmp_path):
    env = {**_local_env(tmp_path), "WORKSPACES": "local-workspace-2"}
    for expected in ("created", "updated"):
        proc = subprocess.run(["bash", "examples/setup-workspace.sh"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.count(f"{expected} ") == 2
    listing = subprocess.run([sys.executable, "-m", "amlevents", "subscription", "list", "-w", "local-workspace-2",
                              "-o", "json"], env=env, capture_output=True, text=True, timeout=120)
    subs = {s["name"]: s for s in __import__("json").loads(listing.stdout)}
    assert sorted(subs) == ["failed-runs", "model-registered"]
    assert len(subs["failed-runs"]["properties"]["filter"]["advancedFilters"]) == 1  # re-runs stack nothing


def test_emulator_sign_in_rehearsal_signs_in_as_service_principals(tmp_path):
    env = {k: v for k, v in _local_env(tmp_path).items() if k != "AMLEVENTS_LOCAL"}
    proc = subprocess.run(["bash", "examples/emulator-sign-in.sh"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert "rehearsal passed" in proc.stdout
