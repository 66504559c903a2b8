"""Shared fixtures: an isolated environment for every test, and an in-process CLI runner."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from typer.testing import CliRunner

from amlevents.cli.app import app


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No test sees the developer's Azure login, config files or amlevents settings."""
    for name in list(os.environ):
        if name.startswith(("AZURE_", "AMLEVENTS_", "MSI_", "IDENTITY_")):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("AZURE_CONFIG_DIR", str(home / ".azure"))
    monkeypatch.chdir(tmp_path)
    yield


class Run:
    """Invoke the CLI in-process: ``run("events", "list", "-o", "json")`` -> result with exit_code/stdout/stderr."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> Any:
        return self.runner.invoke(app, list(args), input=input, prog_name="amlevents")

    def json(self, *args: str, input: str | None = None) -> Any:
        result = self(*args, "-o", "json", input=input)
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture
def run() -> Run:
    return Run()
