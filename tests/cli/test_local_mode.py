"""`--local`: an emulator embedded in the process, its state in a SQLite file shared by every local run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import pytest

HOOK = "https://example.com/hook"
WS_ID = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlevents-local/providers/"
         "Microsoft.MachineLearningServices/workspaces/local-workspace")


@pytest.fixture
def state(tmp_path, monkeypatch):
    """The local state file (and data directory for certificates) in tmp_path."""
    path = tmp_path / "state" / "local.sqlite3"
    monkeypatch.setenv("AMLEVENTS_LOCAL_STATE", str(path))
    monkeypatch.setenv("AMLEVENTS_DATA_DIR", str(tmp_path / "data"))
    return path


def names(run: Any, *prefix: str) -> list[str]:
    return [s["name"] for s in run.json(*prefix, "subscription", "list")]


def test_create_needs_no_workspace_flags(run, state):
    result = run("--local", "subscription", "create", "loc-1", "--endpoint", HOOK, "-o", "json")
    assert result.exit_code == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["id"] == f"{WS_ID}/providers/Microsoft.EventGrid/eventSubscriptions/loc-1"
    assert created["provisioningState"] == "Succeeded"
    assert state.exists()


def test_state_persists_across_invocations(run, state):
    run("--local", "subscription", "create", "loc-1", "--endpoint", HOOK)
    run("--local", "subscription", "create", "loc-2", "--endpoint", HOOK, "--system-topic")
    assert names(run, "--local") == ["loc-1", "loc-2"]
    assert run("--local", "subscription", "delete", "loc-1", "--yes").exit_code == 0
    assert names(run, "--local") == ["loc-2"]


def test_state_defaults_to_the_data_directory(run, tmp_path, monkeypatch):
    monkeypatch.setenv("AMLEVENTS_DATA_DIR", str(tmp_path / "data"))
    assert run("--local", "subscription", "create", "loc-1", "--endpoint", HOOK).exit_code == 0
    assert (tmp_path / "data" / "local" / "state.sqlite3").exists()


def test_amlevents_local_env_equals_the_flag(run, state, monkeypatch):
    run("--local", "subscription", "create", "loc-1", "--endpoint", HOOK)
    monkeypatch.setenv("AMLEVENTS_LOCAL", "1")
    assert names(run) == ["loc-1"]


@pytest.mark.parametrize("how", ["flags", "env"])
def test_local_and_emulator_together_exit_2(run, state, monkeypatch, how):
    if how == "flags":
        result = run("--local", "--emulator", "https://127.0.0.1:1", "subscription", "list")
    else:
        monkeypatch.setenv("AMLEVENTS_LOCAL", "1")
        monkeypatch.setenv("AMLEVENTS_EMULATOR", "https://127.0.0.1:1")
        result = run("subscription", "list")
    assert result.exit_code == 2
    assert "--local and --emulator cannot be used together" in result.stderr
    assert not state.exists()


def test_local_access_check_as_the_owner(run, state):
    verdict = run.json("--local", "access", "check")
    assert verdict["allowed"] is True and verdict["identity"] == "emulator principal 'owner'"


# Each process costs about a second of CPU (imports, the embedded emulator): four already contend for the state
# file's lock on two cores; the twenty of the original campaign run in the full run (CI).
@pytest.mark.parametrize("count", [4, pytest.param(20, marks=pytest.mark.slow)])
def test_processes_create_at_once_on_one_state_file(run, tmp_path, monkeypatch, count):
    env = {**os.environ, "AMLEVENTS_LOCAL_STATE": str(tmp_path / "state.sqlite3"),
           "AMLEVENTS_DATA_DIR": str(tmp_path / "data")}
    for name in [n for n in env if n.startswith(("AMLEVENTS_EMULATOR", "AZURE_"))]:
        del env[name]
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "amlevents", "--local", "subscription", "create", f"sub-{i:02d}",
                               "--endpoint", HOOK, "-o", "none"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for i in range(count)]
    outcomes = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    elapsed = time.perf_counter() - start
    for p in procs:
        p.stderr.close()
    assert [code for code, _ in outcomes] == [0] * count, [err for code, err in outcomes if code]
    # Read back in-process (no further interpreter start): the same state file, through the CLI.
    monkeypatch.setenv("AMLEVENTS_LOCAL_STATE", env["AMLEVENTS_LOCAL_STATE"])
    monkeypatch.setenv("AMLEVENTS_DATA_DIR", env["AMLEVENTS_DATA_DIR"])
    assert sorted(names(run, "--local")) == [f"sub-{i:02d}" for i in range(count)]
    print(f"{count} concurrent --local creates: {elapsed:.2f} s")
