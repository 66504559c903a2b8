"""Layering rules (STYLE.md): who may import what, and which commands must stay off the Azure SDK."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import pytest

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "amlevents"


def imported_modules(package: str) -> dict[str, set[str]]:
    """Top-level names of every module imported anywhere (functions included) in a subpackage."""
    found: dict[str, set[str]] = {}
    for path in sorted((SRC / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(SRC))] = names
    return found


def offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path}: {name}"
        for path, names in imported_modules(package).items()
        for name in sorted(names)
        if name.split(".")[0] in forbidden or any(name.startswith(f + ".") or name == f for f in forbidden)
    ]


def test_core_imports_nothing_from_azure_typer_or_rich():
    assert offenders("core", ("azure", "typer", "rich", "amlevents.cli", "amlevents.arm", "amlevents.emulator")) == []


def test_only_arm_imports_azure():
    for package in ("cli", "core", "emulator"):
        assert offenders(package, ("azure", "msal")) == [], package


def test_emulator_imports_only_core_from_amlevents():
    assert offenders("emulator", ("amlevents.cli", "amlevents.arm", "typer", "rich")) == []


PROBE = """
import sys
from amlevents.cli.app import main
sys.argv = ["amlevents", *{args!r}]
try:
    main()
except SystemExit:
    pass
loaded = sorted(m for m in sys.modules if m == "azure" or m.startswith(("azure.", "msal")))
sys.stderr.write("AZURE_MODULES=" + ",".join(loaded) + "\\n")
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["events", "--help"],
        ["events", "list", "-o", "json"],
        ["events", "sample", "ModelRegistered"],
        ["events", "test", "--help"],
    ],
)
def test_offline_commands_do_not_import_the_azure_sdk(args):
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True, timeout=60
    )
    line = [l for l in proc.stderr.splitlines() if l.startswith("AZURE_MODULES=")]
    assert line == ["AZURE_MODULES="], proc.stderr
