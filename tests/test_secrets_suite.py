"""Secrets: every command, output format, ``--debug``, error path, plan/apply, export, the request log and the
state files, with secrets in a webhook URL's query values, user-info password and fragment, in a secret delivery
attribute and in a client secret: 0 leaks unless ``--show-secrets`` (and there, present where the command shows
them). One redaction policy (``core.redact``) is behind all of it; this suite is its end-to-end check.
"""

from __future__ import annotations

import json
import ssl
import stat
import urllib.request
from pathlib import Path
from typing import Any

import pytest

PASSWORD, QUERY, FRAGMENT, ATTRIBUTE = "pw-S3cr-0001", "qv-S3cr-0002", "fr-S3cr-0003", "at-S3cr-0004"
NEW_PASSWORD, NEW_QUERY, NEW_FRAGMENT, NEW_ATTRIBUTE = "pw-S3cr-1001", "qv-S3cr-1002", "fr-S3cr-1003", "at-S3cr-1004"
CLIENT_SECRET = "cs-S3cr-0005"
SECRETS = (PASSWORD, QUERY, FRAGMENT, ATTRIBUTE, NEW_PASSWORD, NEW_QUERY, NEW_FRAGMENT, NEW_ATTRIBUTE, CLIENT_SECRET)


def hook(password: str, query: str, fragment: str) -> str:
    return f"https://hook-user:{password}@hooks.example.com/api/events?api-version=1&code={query}#{fragment}"


HOOK, NEW_HOOK = hook(PASSWORD, QUERY, FRAGMENT), hook(NEW_PASSWORD, NEW_QUERY, NEW_FRAGMENT)
MAPPING = ("-d", "X-Key", "static", ATTRIBUTE, "true")
WS = "local-workspace"
MANIFEST = """\
version: 1
workspaces:
  - name: local-workspace
    resourceGroup: amlevents-local
    subscriptionId: 00000000-0000-0000-0000-000000000000
    subscriptions:
      - name: sec-1            # changed: every secret and the batch size
        destination:
          endpointType: webhook
          endpoint: ${SUITE_HOOK}
          maxEventsPerBatch: 5
          deliveryAttributes: [{name: X-Key, type: static, value: "${SUITE_ATTRIBUTE}", secret: true}]
      - name: sec-new          # created
        destination: {endpointType: webhook, endpoint: "${SUITE_HOOK}"}
"""


def leaks(*texts: str) -> list[str]:
    """The secrets found in any of ``texts``."""
    return [s for s in SECRETS if any(s in t for t in texts)]


@pytest.fixture
def world(run, cli_emulator, monkeypatch, tmp_path):
    """'sec-1' deployed with every kind of secret; a manifest changing them all (in ${VAR}s); an event file."""
    run.ok("subscription", "create", "sec-1", "--endpoint", HOOK, *MAPPING, "-o", "none")
    (tmp_path / "manifest.yaml").write_text(MANIFEST, encoding="utf-8")
    monkeypatch.setenv("SUITE_HOOK", NEW_HOOK)
    monkeypatch.setenv("SUITE_ATTRIBUTE", NEW_ATTRIBUTE)
    (tmp_path / "event.json").write_text(run.ok("events", "sample", "ModelRegistered").stdout, encoding="utf-8")
    return cli_emulator


COMMANDS: dict[str, tuple[str, ...]] = {
    "create": ("subscription", "create", "sec-2", "--endpoint", HOOK, *MAPPING),
    "create-dry-run": ("subscription", "create", "sec-2", "--endpoint", HOOK, *MAPPING, "--dry-run"),
    "create-overwrite": ("subscription", "create", "sec-1", "--endpoint", NEW_HOOK, *MAPPING, "--overwrite"),
    "update": ("subscription", "update", "sec-1", "--max-events-per-batch", "7"),
    "update-endpoint": ("subscription", "update", "sec-1", "--endpoint", NEW_HOOK, "-d", "X-Key", "static",
                        NEW_ATTRIBUTE, "true"),
    "update-dry-run": ("subscription", "update", "sec-1", "--endpoint", NEW_HOOK, "--dry-run"),
    "show": ("subscription", "show", "sec-1"),
    "list": ("subscription", "list"),
    "plan": ("plan", "-f", "manifest.yaml"),
    "apply": ("apply", "-f", "manifest.yaml", "--yes"),
    "apply-dry-run": ("apply", "-f", "manifest.yaml", "--dry-run"),
    "events-test": ("events", "test", "-e", "event.json", "--subscription", "sec-1"),
    "access-check": ("access", "check"),
    "delete": ("subscription", "delete", "sec-1", "--yes"),
}
FORMATS = ("json", "yaml", "tsv", "table")
# The quick profile (the default run) shows each command in two formats, rotating so that every format is met
# by many commands, and each with --debug; the full run (CI, --full) every command in every format.
_QUICK = {(c, FORMATS[(i + k) % len(FORMATS)]) for i, c in enumerate(COMMANDS) for k in (0, 2)}
CASES = [pytest.param(c, ("-o", f), (), id=f"{c}-{f}", marks=() if (c, f) in _QUICK else pytest.mark.slow)
         for c in COMMANDS for f in FORMATS] + [
    pytest.param(c, ("-o", "json"), ("--debug",), id=f"{c}-json-debug") for c in COMMANDS]


# Flags that are themselves the consent to see one secret (as in az): they reveal what they name, nothing else.
REVEALING: dict[str, tuple[str, ...]] = {
    "show-full-url": ("subscription", "show", "sec-1", "--include-full-endpoint-url"),
}


@pytest.mark.parametrize("debug", [(), ("--debug",)], ids=["plain", "debug"])
def test_include_full_endpoint_url_reveals_the_url_and_nothing_else(run, world, debug):
    result = run(*debug, *REVEALING["show-full-url"], "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert [s for s in (PASSWORD, QUERY, FRAGMENT) if s not in result.stdout] == []
    assert ATTRIBUTE not in result.stdout
    assert leaks(result.stderr) == []  # the --debug log stays redacted


@pytest.mark.parametrize(("command", "output", "debug"), CASES)
def test_no_secret_in_any_command_output_or_debug_log(run, world, command, output, debug):
    result = run(*debug, *COMMANDS[command], *output)
    assert result.exit_code == 0, result.stderr
    assert leaks(result.stdout, result.stderr) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_in_a_plan_that_knows_only_the_base_url(run, world, monkeypatch, fmt):
    """A reader may not call getFullUrl: the plan compares base URLs, and shows them, password and all."""
    monkeypatch.setenv("AMLEVENTS_EMULATOR_PRINCIPAL", "reader")
    result = run("plan", "-f", "manifest.yaml", "-o", fmt)
    assert result.exit_code == 0, result.stderr
    assert leaks(result.stdout, result.stderr) == []


@pytest.mark.parametrize("debug", [(), ("--debug",)], ids=["plain", "debug"])
def test_no_secret_in_the_export_nor_the_manifest_it_writes(run, world, tmp_path, debug):
    result = run(*debug, "export", "-w", WS, "--out", "exported.yaml")
    assert result.exit_code == 0, result.stderr
    written = (tmp_path / "exported.yaml").read_text(encoding="utf-8")
    assert "${AMLEVENTS_SEC_1_PASSWORD}" in written and "#${AMLEVENTS_SEC_1_FRAGMENT}" in written
    assert leaks(result.stdout, result.stderr, written) == []


# What --show-secrets shows: the command's own output then carries these (logs stay redacted).
SHOWN = {
    "create-dry-run": (PASSWORD, QUERY, FRAGMENT, ATTRIBUTE),
    "update-dry-run": (NEW_PASSWORD, NEW_QUERY, NEW_FRAGMENT, ATTRIBUTE),
    "show-full-url": (PASSWORD, QUERY, FRAGMENT),
    "show": (PASSWORD,),  # endpointBaseUrl keeps the user-info
}


@pytest.mark.parametrize("command", sorted(SHOWN))
def test_show_secrets_shows_them(run, world, command):
    result = run("--show-secrets", *{**COMMANDS, **REVEALING}[command], "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert [s for s in SHOWN[command] if s not in result.stdout] == []


def test_show_secrets_export_prints_them_as_variables_only(run, world):
    result = run("--show-secrets", "export", "-w", WS)
    assert leaks(result.stdout) == []
    assert [s for s in (PASSWORD, QUERY, FRAGMENT, ATTRIBUTE) if f"={s}" not in result.stderr] == []


# --- error paths ---------------------------------------------------------------------------------------------

BAD_MANIFEST = MANIFEST.replace("maxEventsPerBatch: 5", "maxEventsPerBatch: 0")
ERRORS: dict[str, tuple[str, ...]] = {
    "http-url": ("subscription", "create", "sec-9", "--endpoint", HOOK.replace("https://", "http://", 1)),
    "url-as-resource-id": ("subscription", "create", "sec-9", "--endpoint", HOOK, "--endpoint-type", "eventhub"),
    "bad-secret-flag": ("subscription", "create", "sec-9", "--endpoint", "https://h.example/x",
                        "-d", "X-Key", "static", ATTRIBUTE, "maybe"),
    "missing-type": ("subscription", "create", "sec-9", "--endpoint", "https://h.example/x",
                     "-d", "X-Key", ATTRIBUTE, "true"),
    "too-many-values": ("subscription", "create", "sec-9", "--endpoint", "https://h.example/x",
                        "-d", "X-Key", "static", ATTRIBUTE, "true", "extra"),
    "already-exists": ("subscription", "create", "sec-1", "--endpoint", HOOK, *MAPPING),
    "update-missing": ("subscription", "update", "no-such-sub", "--endpoint", HOOK),
    "bad-manifest": ("plan", "-f", "bad.yaml"),
}


ERROR_CASES = [pytest.param(case, debug, id=f"{case}-{'debug' if debug else 'plain'}")
               for case in sorted(ERRORS) for debug in ((), ("--debug",))]


@pytest.mark.parametrize(("case", "debug"), ERROR_CASES)
def test_no_secret_in_an_error(run, world, tmp_path, case, debug):
    (tmp_path / "bad.yaml").write_text(BAD_MANIFEST, encoding="utf-8")
    result = run(*debug, *ERRORS[case])
    assert result.exit_code not in (0, 1), result.stderr  # a refusal the boundary maps, not a crash
    assert result.stderr.startswith("Error: ") or debug, result.stderr
    assert leaks(result.stdout, result.stderr) == []


# --- client secrets ------------------------------------------------------------------------------------------

@pytest.fixture
def service_principal(cli_emulator, monkeypatch):
    """Sign in as the seeded owner's service principal at the emulator (azure-identity's environment credential)."""
    client_id, _secret = cli_emulator.clients["owner"]
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", cli_emulator.url)
    monkeypatch.setenv("AZURE_CLIENT_ID", client_id)
    monkeypatch.setenv("AZURE_TENANT_ID", cli_emulator.tenant_id)
    return cli_emulator


@pytest.mark.parametrize("debug", [(), ("--debug",)], ids=["plain", "debug"])
def test_a_wrong_client_secret_is_not_repeated(run, service_principal, monkeypatch, debug):
    monkeypatch.setenv("AZURE_CLIENT_SECRET", CLIENT_SECRET)
    result = run(*debug, "subscription", "list", "-o", "json")
    assert result.exit_code == 3, result.stderr
    assert leaks(result.stdout, result.stderr) == []


def test_the_right_client_secret_stays_out_of_debug_logs(run, service_principal, monkeypatch):
    _client_id, secret = service_principal.clients["owner"]
    monkeypatch.setenv("AZURE_CLIENT_SECRET", secret)
    result = run("--debug", "subscription", "list", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert "DEBUG " in result.stderr  # the log is really on
    assert secret not in result.stdout + result.stderr


# --- the emulator's request log and state files --------------------------------------------------------------

def admin_requests(emulator: Any) -> str:
    """``GET /_emulator/requests`` over HTTPS, as any local client reads it."""
    context = ssl.create_default_context(cafile=emulator.ca_cert_path)
    with urllib.request.urlopen(f"{emulator.url}/_emulator/requests", context=context, timeout=30) as response:
        return response.read().decode()


def test_no_secret_in_the_request_log(run, world):
    """The writes carried every secret (create, update-endpoint, apply); the log keeps none (H5's redaction
    through core.redact.redact_resource)."""
    for command in ("create", "update-endpoint", "apply"):
        run.ok(*COMMANDS[command], "-o", "none")
    log = admin_requests(world)
    assert json.loads(log)  # the requests are there
    assert leaks(log) == []


def test_state_files_that_hold_secrets_are_private(run, tmp_path, monkeypatch):
    """The local emulator must keep the full URL (getFullUrl serves it), so its state file holds the secrets:
    only its owner may read it (0600 in a 0700 directory). No other file anywhere holds one."""
    monkeypatch.setenv("AMLEVENTS_LOCAL_STATE", str(tmp_path / "state" / "local.sqlite3"))
    monkeypatch.setenv("AMLEVENTS_DATA_DIR", str(tmp_path / "data"))
    run.ok("--local", "subscription", "create", "sec-1", "--endpoint", HOOK, *MAPPING, "-o", "none")
    holding = files_holding_secrets(tmp_path)
    assert holding and all(p.name.startswith("local.sqlite3") for p in holding), holding
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in holding} == {p.name: 0o600 for p in holding}


def test_the_directory_of_a_state_file_is_private(run, tmp_path, monkeypatch):
    monkeypatch.setenv("AMLEVENTS_LOCAL_STATE", str(tmp_path / "state" / "local.sqlite3"))
    monkeypatch.setenv("AMLEVENTS_DATA_DIR", str(tmp_path / "data"))
    run.ok("--local", "subscription", "create", "sec-1", "--endpoint", HOOK, *MAPPING, "-o", "none")
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700


def files_holding_secrets(root: Path) -> list[Path]:
    """Every file under ``root`` in which one of the secrets appears (as bytes, whatever the file's format)."""
    return [p for p in root.rglob("*") if p.is_file() and leaks(p.read_bytes().decode("latin-1"))]
