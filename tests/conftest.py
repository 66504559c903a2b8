"""Shared fixtures: an isolated environment for every test, and an in-process CLI runner."""

from __future__ import annotations

import json
import os
import signal
from typing import Any

import campaigns
import pytest
from typer.testing import CliRunner

from amlevents.cli.app import app


# --- the default run and the full run (tests/campaigns.py) ---
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--full", action="store_true",
                     help="the full campaigns: tests marked slow, property tests at their full example counts "
                          "(CI=true implies it)")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--full"):
        campaigns.FULL = True  # before collection imports the test modules that read it
    # A suite started as a background job of a non-interactive shell (`pytest &` in a script) inherits SIGINT
    # ignored, as does every process it starts: the tests that press Ctrl-C (the CLI in-process, the example
    # handler in a subprocess) need it delivered, as it is in a terminal.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_report_header(config: pytest.Config) -> str:
    if campaigns.FULL:
        return "campaigns: full (slow tests included, property tests at full example counts)"
    return "campaigns: quick (slow tests left out, 1/4 of the property examples; --full or CI=true for all)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave the ``slow`` tests out of the default run, unless ``-m`` chooses tests by marker itself."""
    if campaigns.FULL or config.option.markexpr:
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No test sees the developer's Azure login, config files or amlevents settings."""
    for name in list(os.environ):
        # COLUMNS too: xdist workers inherit a terminal width that would fold tables the documented way otherwise
        if name.startswith(("AZURE_", "AMLEVENTS_", "MSI_", "IDENTITY_")) or name in ("COLUMNS", "LINES"):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("AZURE_CONFIG_DIR", str(home / ".azure"))
    monkeypatch.chdir(tmp_path)
    yield


_COMMAND: list[Any] = []


@pytest.fixture(autouse=True)
def click_command_built_once(monkeypatch):
    """Typer rebuilds the Click command tree on every in-process call (~0.1 s); build it once per session."""
    import typer.testing

    if not _COMMAND:
        _COMMAND.append(typer.testing._get_command(app))
    monkeypatch.setattr(typer.testing, "_get_command", lambda _app: _COMMAND[0])


class Run:
    """Invoke the CLI in-process: ``run("events", "list", "-o", "json")`` -> result with exit_code/stdout/stderr."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> Any:
        return self.runner.invoke(app, list(args), input=input, prog_name="amlevents")

    def ok(self, *args: str, input: str | None = None) -> Any:
        """Invoke the CLI and assert it exited 0 (stderr as the message); the result."""
        result = self(*args, input=input)
        assert result.exit_code == 0, result.stderr
        return result

    def json(self, *args: str, input: str | None = None) -> Any:
        return json.loads(self.ok(*args, "-o", "json", input=input).stdout)


@pytest.fixture
def run() -> Run:
    return Run()


# --- emulator fixtures ---
# One HTTPS emulator per test session (port 0, no provisioning delay); `emulator` resets it before each test.
# `eventgrid_client` / `authorization_client` are factories: eventgrid_client(server, principal="owner", **kw)
# builds the real SDK client as shared/reference/arm-contract.md §6 describes (extra kwargs override).

from typing import TYPE_CHECKING  # noqa: E402

from amlevents.emulator import EmulatorCredential  # noqa: E402

if TYPE_CHECKING:
    from amlevents.emulator import EmulatorServer

ARM_SCOPES = ["https://management.azure.com/.default"]


def _credential(server: EmulatorServer, principal: str) -> EmulatorCredential:
    return EmulatorCredential(principal, server.principals, server.tenant_id)


def make_eventgrid_client(server: EmulatorServer, principal: str = "owner", **kwargs: Any) -> Any:
    from azure.mgmt.eventgrid import EventGridManagementClient

    options = {"base_url": server.url, "credential_scopes": ARM_SCOPES, "connection_verify": server.ca_cert_path,
               "polling_interval": 0, **kwargs}
    return EventGridManagementClient(_credential(server, principal), server.subscription_id, **options)


def make_authorization_client(server: EmulatorServer, principal: str = "owner", **kwargs: Any) -> Any:
    from azure.mgmt.authorization import AuthorizationManagementClient

    options = {"base_url": server.url, "credential_scopes": ARM_SCOPES, "connection_verify": server.ca_cert_path,
               **kwargs}
    return AuthorizationManagementClient(_credential(server, principal), server.subscription_id, **options)


def _restore(server: EmulatorServer) -> None:
    server.backend.reset()
    server.backend.provisioning_delay = 0.0
    server.app.latency_ms = 0
    server.app.faults.clear()
    server.app.clear_requests()


@pytest.fixture(scope="session")
def emulator_server(tmp_path_factory):
    """The session's emulator on 127.0.0.1, port 0, certificates in a temporary directory."""
    from amlevents.emulator import EmulatorServer

    server = EmulatorServer(port=0, provisioning_delay=0, cert_dir=tmp_path_factory.mktemp("emulator-certs"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def emulator(emulator_server):
    """The session emulator back in its seeded state: no resources, faults, log entries or delays."""
    _restore(emulator_server)
    yield emulator_server
    emulator_server.app.faults.clear()


WRITE_METHODS = ("PUT", "PATCH", "DELETE")


@pytest.fixture
def sent_requests(emulator):
    """Factory: sent_requests(*methods, login=True) -> the emulator's logged requests with those methods, oldest
    first; no methods means the writes (PUT, PATCH, DELETE; not POST); ``login=False`` leaves out sign-in requests
    (``"service": "login"``)."""

    def select(*methods: str, login: bool = True) -> list[dict[str, Any]]:
        wanted = methods or WRITE_METHODS
        return [r for r in emulator.app.requests()
                if r["method"] in wanted and (login or r.get("service") != "login")]

    return select


@pytest.fixture
def emulator_session(emulator):
    """Factory: emulator_session(principal=None) -> an amlevents Session on the emulator, its settings read by
    ``ConnectionSettings.from_env`` from AMLEVENTS_EMULATOR/_CA (and _PRINCIPAL if given; else owner); every
    session made is closed at teardown."""
    from amlevents.arm.session import Session
    from amlevents.arm.settings import ConnectionSettings
    from amlevents.cli.wiring import connect

    sessions: list[Session] = []

    def make(principal: str | None = None) -> Session:
        env = {"AMLEVENTS_EMULATOR": emulator.url, "AMLEVENTS_EMULATOR_CA": emulator.ca_cert_path}
        if principal:
            env["AMLEVENTS_EMULATOR_PRINCIPAL"] = principal
        sessions.append(connect(ConnectionSettings.from_env(env=env)))
        return sessions[-1]

    yield make
    for session in sessions:
        session.close()


@pytest.fixture
def eventgrid_client():
    """Factory: eventgrid_client(server, principal="owner", **kwargs) -> EventGridManagementClient."""
    return make_eventgrid_client


@pytest.fixture
def authorization_client():
    """Factory: authorization_client(server, principal="owner", **kwargs) -> AuthorizationManagementClient."""
    return make_authorization_client


# --- CLI against the emulator ---
@pytest.fixture
def cli_emulator(emulator, monkeypatch):
    """The session emulator, reset, with the CLI pointed at it (``--emulator`` mode, principal ``owner``).

    Switch principals with ``monkeypatch.setenv("AMLEVENTS_EMULATOR_PRINCIPAL", "reader")``; read what the CLI
    sent from ``emulator.app.requests()`` (method, path, query, status, principal, body).
    """
    monkeypatch.setenv("AMLEVENTS_EMULATOR", emulator.url)
    monkeypatch.setenv("AMLEVENTS_EMULATOR_CA", emulator.ca_cert_path)
    return emulator


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """An emulator serving the small fleet of ``tests/fleet_world.py`` (3 Azure subscriptions, 12 workspaces), one
    per test module."""
    from fleet_world import serve

    yield from serve(tmp_path_factory)


@pytest.fixture
def fleet_cli(fleet, monkeypatch):
    """``fleet`` reset to its seed, with the CLI pointed at it and its request log cleared."""
    from fleet_world import point_cli

    fleet.backend.reset()
    return point_cli(fleet, monkeypatch)


@pytest.fixture
def cli_delivery(cli_emulator):
    """``cli_emulator`` delivering on a compressed clock (an emulated second is a millisecond: a whole retry
    schedule runs in well under a second); the clock and the delivery log restored afterwards."""
    cli_emulator.delivery.clock.scale = 0.001
    yield cli_emulator
    cli_emulator.delivery.clock.scale = 1.0
    cli_emulator.delivery.reset()


@pytest.fixture
def federated_token():
    """Factory: an OIDC token as GitHub Actions issues it for workload identity (audience
    api://AzureADTokenExchange), unsigned since the emulator does not check signatures; ``lifetime`` < 0 is expired."""
    import base64
    import time

    def b64(obj: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    def make(*, aud: str = "api://AzureADTokenExchange", iss: str = "https://token.actions.githubusercontent.com",
             sub: str = "repo:contoso/ml:ref:refs/heads/main", lifetime: int = 600) -> str:
        now = int(time.time())
        claims = {"aud": aud, "iss": iss, "sub": sub, "iat": now, "exp": now + lifetime}
        return f"{b64({'alg': 'RS256', 'typ': 'JWT'})}.{b64(claims)}.sig"

    return make
