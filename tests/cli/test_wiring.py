"""The composition root (cli/wiring.py): it alone chooses Azure or an emulator; arm.Session is handed the rest."""

from __future__ import annotations

import ast
import pathlib

import pytest
import requests

from amlevents.arm.session import Session
from amlevents.arm.settings import ConnectionSettings
from amlevents.cli.wiring import connect
from amlevents.emulator import EmulatorCredential

CLI = pathlib.Path(__file__).resolve().parents[2] / "src" / "amlevents" / "cli"


def _imports_emulator(path: pathlib.Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if any(n == "amlevents.emulator" or n.startswith("amlevents.emulator.") for n in names):
            return True
    return False


def test_only_the_composition_root_and_the_emulator_command_import_the_emulator():
    assert sorted(p.name for p in CLI.glob("*.py") if _imports_emulator(p)) == ["emulator.py", "wiring.py"]


def test_a_session_signs_with_the_credential_it_is_handed(emulator):
    session = Session(emulator.url, emulator.ca_cert_path,
                      lambda: EmulatorCredential("reader", emulator.principals, emulator.tenant_id))
    try:
        assert session.token_claims()["oid"] == emulator.principals["reader"]
    finally:
        session.close()


def test_closing_a_local_session_stops_its_embedded_emulator(tmp_path):
    session = connect(ConnectionSettings(local=True, local_state=str(tmp_path / "state.sqlite3")))
    info = f"{session.base_url}/_emulator/info"
    assert requests.get(info, verify=session.verify, timeout=10).ok
    session.close()
    with pytest.raises(requests.ConnectionError):
        requests.get(info, verify=session.verify, timeout=10)
