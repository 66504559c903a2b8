"""`amlevents emulator ...`: run the local ARM emulator for other processes (CI suites, the az CLI, SDK code)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from amlevents.cli.options import sub_app

app = sub_app("The local Azure Resource Manager emulator: event subscriptions, system topics, workspaces, RBAC.",
              no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Keep this a command group (Typer would collapse a one-command app into the command)."""


@app.command("serve")
def serve(
    port: Annotated[int, typer.Option("--port", help="TCP port on 127.0.0.1; 0 picks a free one.")] = 0,
    state: Annotated[
        Optional[str],
        typer.Option("--state", help="SQLite state file, created if absent, shared safely by several processes. "
                     "Default: in memory.", show_default=False),
    ] = None,
    seed: Annotated[
        Optional[str],
        typer.Option("--seed", help="YAML or JSON file describing the seeded world (see README).", show_default=False),
    ] = None,
    provisioning_delay: Annotated[
        float, typer.Option("--provisioning-delay", help="Seconds before an operation turns Succeeded.", min=0)
    ] = 0.0,
    latency: Annotated[int, typer.Option("--latency", help="Milliseconds added to every ARM request.", min=0)] = 0,
    faults: Annotated[
        Optional[list[str]],
        typer.Option("--fault", help="Fault to inject, e.g. throttle:count=2,retry_after=1, error503:rate=0.2, "
                     "drop:count=1, fail-operation:count=1, seed=42. Repeatable.", show_default=False),
    ] = None,
    cert_dir: Annotated[
        Optional[str],
        typer.Option("--cert-dir", help="Where the local CA and server certificate live (reused across runs). "
                     "Default: the user data directory.", show_default=False),
    ] = None,
) -> None:
    """Serve the emulator over HTTPS on 127.0.0.1 until SIGINT/SIGTERM.

    When ready it prints exactly one JSON line on stdout: url, caCert, authorityHost, metadataEndpoint,
    subscriptionId, tenantId, principals (name -> object id), clients (name -> clientId and clientSecret of its
    service-principal sign-in), resourceGroup and workspaces. It exits 0 when stopped by a signal.

    Besides ARM it serves what a sign-in needs: cloud metadata for `az cloud register`, and OpenID configuration
    and token endpoints (client credentials) for azure-identity and `az login --service-principal`.

    Example: amlevents emulator serve --port 8443 --state /tmp/arm.sqlite3 --provisioning-delay 3
    """
    import signal
    import threading
    from pathlib import Path

    from amlevents.cli.output import emit_line
    from amlevents.emulator import EmulatorServer

    if cert_dir is None:
        from amlevents.core.paths import data_dir

        cert_dir = str(data_dir() / "emulator" / "certs")
    Path(cert_dir).mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    server = EmulatorServer(
        port=port,
        state_path=state,
        seed=seed,
        provisioning_delay=provisioning_delay,
        latency_ms=latency,
        faults=list(faults or ()),
        cert_dir=cert_dir,
    ).start()
    try:
        emit_line(server.ready_info())
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
