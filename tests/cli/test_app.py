"""Root command: version, help, the error boundary and az-style multi-word options."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
import typer

from amlevents import __version__
from amlevents.cli.app import SUBCOMMANDS, TOP_LEVEL, app
from amlevents.cli.argv import TOKEN_SEPARATOR, join_multi_token_options
from amlevents.cli.lazy import lazy_group


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"amlevents {__version__}"


def test_no_arguments_shows_help(run):
    result = run()
    assert "events" in result.stdout + result.stderr


def test_unknown_command_is_a_usage_error(run):
    assert run("nope").exit_code == 2


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--advanced-filter", "a", "StringIn", "x", "y", "-o", "json"],
         ["--advanced-filter", TOKEN_SEPARATOR.join(["a", "StringIn", "x", "y"]), "-o", "json"]),
        (["--advanced-filter", "a StringIn x"], ["--advanced-filter", "a StringIn x"]),
        (["--advanced-filter", "a", "NumberIn", "-5", "--check"],
         ["--advanced-filter", TOKEN_SEPARATOR.join(["a", "NumberIn", "-5"]), "--check"]),
        (["--advanced-filter"], ["--advanced-filter"]),
        (["--advanced-filter", "--x"], ["--advanced-filter", "--x"]),
    ],
)
def test_multi_word_options_are_joined(args, expected):
    assert join_multi_token_options(args) == expected


def test_python_dash_m_runs_the_cli():
    proc = subprocess.run([sys.executable, "-m", "amlevents", "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"amlevents {__version__}"


def test_console_script_help_exits_0():
    proc = subprocess.run([sys.executable, "-m", "amlevents", "events", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0
    assert "sample" in proc.stdout


@pytest.mark.parametrize("args, built", [
    (["subscription", "create", "--help"], ["create"]),
    (["subscription", "--help"], []),
    (["plan", "--help"], ["plan"]),
])
def test_only_the_invoked_command_is_built(monkeypatch, capsys, args, built):
    # Typer would build all ~130 parameters of a group's commands to run one (issue 7: `create --help` speed)
    seen = []
    build = typer.main.get_command_from_info

    def recorded(info, **settings):  # Typer's own builder, noting what it built
        seen.append(build(info, **settings))
        return seen[-1]

    monkeypatch.setattr(typer.main, "get_command_from_info", recorded)
    root = typer.main.get_command(app)  # a fresh tree, not the session's cached one
    assert root.main(args, prog_name="amlevents", standalone_mode=False) == 0
    assert [command.name for command in seen] == built
    assert "Usage: amlevents " + args[0] in capsys.readouterr().out


@pytest.mark.parametrize("group", [n for n in SUBCOMMANDS if n not in TOP_LEVEL])
def test_a_lazy_group_helps_as_typer_builds_it(group):
    sub_app = importlib.import_module(SUBCOMMANDS[group][0]).app
    lazy, eager = lazy_group(sub_app), typer.main.get_command(sub_app)
    assert lazy.get_help(typer.Context(lazy, info_name=group)) == eager.get_help(typer.Context(eager, info_name=group))


def test_a_mistyped_command_of_a_group_gets_a_suggestion(run):
    result = run("subscription", "creat")
    assert result.exit_code == 2
    assert "No such command 'creat'. Did you mean 'create'?" in result.stderr
