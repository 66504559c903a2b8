"""The shipped examples work as documented."""

from __future__ import annotations

import os
import pathlib
import re
import shlex
import subprocess
import sys

import pytest
import yaml

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


def _setup_workspace(env):
    proc = subprocess.run(["bash", "examples/setup-workspace.sh"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _subscriptions_on(run, monkeypatch, env, workspace):
    """The workspace's subscriptions, read in-process (no interpreter start) from the script's local state."""
    monkeypatch.setenv("AMLEVENTS_DATA_DIR", env["AMLEVENTS_DATA_DIR"])
    return {s["name"]: s for s in run.json("--local", "subscription", "list", "-w", workspace)}


def test_setup_workspace_script_creates_what_is_missing_and_updates_what_exists(run, tmp_path, monkeypatch):
    # One run of the script takes both branches (each CLI call is an interpreter start, so one run, not two):
    # failed-runs exists already, made with the script's own options, model-registered does not.
    env = {**_local_env(tmp_path), "WORKSPACES": "local-workspace-2"}
    monkeypatch.setenv("AMLEVENTS_DATA_DIR", env["AMLEVENTS_DATA_DIR"])
    run.ok("--local", "subscription", "create", "failed-runs", "-w", "local-workspace-2",
           "--endpoint", "https://example.com/api/aml-hook", "--run-status", "Failed", "--labels", "ops", "alerts")
    out = _setup_workspace(env)
    assert "created model-registered on local-workspace-2" in out
    assert "updated failed-runs on local-workspace-2" in out
    subs = _subscriptions_on(run, monkeypatch, env, "local-workspace-2")
    assert sorted(subs) == ["failed-runs", "model-registered"]
    assert len(subs["failed-runs"]["filter"]["advancedFilters"]) == 1  # an update stacks nothing


@pytest.mark.slow
def test_setup_workspace_script_is_idempotent_on_the_local_emulator(run, tmp_path, monkeypatch):
    env = {**_local_env(tmp_path), "WORKSPACES": "local-workspace-2"}
    for expected in ("created", "updated"):
        assert _setup_workspace(env).count(f"{expected} ") == 2
    subs = _subscriptions_on(run, monkeypatch, env, "local-workspace-2")
    assert sorted(subs) == ["failed-runs", "model-registered"]
    assert len(subs["failed-runs"]["filter"]["advancedFilters"]) == 1  # re-runs stack nothing


def test_emulator_sign_in_rehearsal_signs_in_as_service_principals(tmp_path):
    env = {k: v for k, v in _local_env(tmp_path).items() if k != "AMLEVENTS_LOCAL"}
    proc = subprocess.run(["bash", "examples/emulator-sign-in.sh"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert "rehearsal passed" in proc.stdout


def _install_targets(text):
    """What the pip install lines of a CI example install (comments left out)."""
    lines = [line.split(" #")[0] for line in text.splitlines() if not line.lstrip().startswith("#")]
    return [word for line in lines if "pip install" in line
            for word in shlex.split(line.split("pip install", 1)[1]) if not word.startswith("-")]


@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "examples").glob("*.yml")))
def test_ci_example_installs_amlevents_from_source_not_from_pypi(example):
    # amlevents is not on PyPI: the bare name would install whatever someone registered under it.
    text = (ROOT / "examples" / example).read_text(encoding="utf-8")
    yaml.safe_load(text)
    targets = _install_targets(text)
    assert targets, "no pip install line"
    assert not [t for t in targets if re.match(r"amlevents\b", t)], targets
    assert all(t.startswith((".", "/")) or re.fullmatch(r"git\+\S+@[0-9a-f]{40}", t) for t in targets), targets


def test_manifest_example_plans_and_applies_on_local_as_is(run, tmp_path, monkeypatch):
    # only its secrets are set: the workspaces default to the --local emulator's
    monkeypatch.setenv("AMLEVENTS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOOK_URL", "https://example.com/api/aml-hook?code=test-code")
    monkeypatch.setenv("API_KEY", "test-key")
    example = str(ROOT / "examples" / "manifest.yaml")
    planned = run.json("--local", "plan", "-f", example, "-o", "json")
    assert [(s["workspace"].rsplit("/", 1)[1], s["name"], s["action"]) for s in planned] == [
        ("local-workspace", "churn-models", "create"), ("local-workspace", "failed-runs", "create"),
        ("local-workspace", "model-audit", "create"), ("local-workspace-2", "drift-alerts", "create")]
    applied = run.json("--local", "apply", "-f", example, "--yes", "-o", "json")
    assert [r["status"] for r in applied] == ["applied"] * 4
    assert run("--local", "plan", "-f", example, "--detailed-exitcode").exit_code == 0  # it converged
