"""Root command: version, help, the error boundary and az-style multi-word options."""

from __future__ import annotations

import subprocess
import sys

import pytest

from amlevents import __version__
from amlevents.cli.argv import TOKEN_SEPARATOR, join_multi_token_options


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
