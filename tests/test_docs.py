"""The README is part of the product: every command, exit code and environment variable is documented."""

from __future__ import annotations

import pathlib
import re

import pytest
import typer

from amlevents.cli.app import app
from amlevents.core.errors import ExitCode

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def leaf_commands():
    """(path, click command) for every runnable command of the tree."""
    root = typer.main.get_command(app)
    found = []

    def walk(cmd, path):
        if hasattr(cmd, "list_commands"):  # a group (the root loads its sub-apps lazily)
            ctx = typer.Context(cmd)
            for name in cmd.list_commands(ctx):
                walk(cmd.get_command(ctx, name), [*path, name])
        else:
            found.append((" ".join(path), cmd))

    walk(root, [])
    return found


COMMANDS = leaf_commands()


def test_the_tree_has_commands():
    assert len(COMMANDS) >= 3


@pytest.mark.parametrize("path, cmd", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example(path, cmd):
    assert cmd.help and len(cmd.help.strip()) > 20, path
    assert "Example" in cmd.help, f"{path}: the docstring should carry an example"


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS])
def test_every_command_is_documented_in_the_readme(path):
    assert f"amlevents {path}" in README


@pytest.mark.parametrize("path, cmd", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_long_option_is_documented_in_the_readme(path, cmd):
    missing = [
        opt
        for param in cmd.params
        for opt in getattr(param, "opts", [])
        if opt.startswith("--") and opt not in ("--help",) and opt not in README
    ]
    assert missing == [], f"{path}: {missing}"


@pytest.mark.parametrize("code", list(ExitCode))
def test_every_exit_code_is_documented(code):
    assert re.search(rf"^\|\s*`?{int(code)}`?\s*\|", README, re.M), f"exit code {int(code)} missing from README table"


def test_every_environment_variable_is_documented():
    used = set()
    for path in (ROOT / "src").rglob("*.py"):
        used.update(re.findall(r"\bAMLEVENTS_[A-Z_]+\b", path.read_text(encoding="utf-8")))
    missing = sorted(v for v in used if v not in README)
    assert missing == []


def readme_command(marker: str) -> str:
    """The shell line after a `<!-- marker -->` comment in the README."""
    match = re.search(rf"<!-- {marker} -->\s*```(?:bash|sh)?\n(.+?)\n```", README, re.S)
    assert match, f"README lacks the {marker} block"
    return match.group(1).strip()


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_command("test-command") in ci.splitlines()


def test_readme_quick_start_installs_and_runs():
    line = readme_command("quick-start")
    assert "pip install" in line and "amlevents" in line
