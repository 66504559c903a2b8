"""`amlevents emulator ...`: run the local ARM emulator for other processes (CI suites, the az CLI, SDK code)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from amlevents.cli.options import sub_app

app = sub_app("The local Azure Resource Manager emulator: event subscriptions, system topics, workspaces, RBAC.",
              no_args_is_help=True)


class ValidateMode(str, Enum):
    """Values of ``--validate-endpoints``."""

    loopback = "loopback"
    all = "all"
    none = "none"


@app.callback()
def _group() -> None:
    """Keep this a command group (Typer would collapse a one-command app into the command)."""


@app.command("serve")
def serve(
    port: Annotated[int, typer.Option("--port", help="TCP port on 127.0.0.1; 0 picks a free one.")] = 0,
    state: Annotated[
        str | None,
        typer.Option("--state", help="SQLite state file, created if absent, shared safely by several processes. "
                     "Default: in memory.", show_default=False),
    ] = None,
    seed: Annotated[
        str | None,
        typer.Option("--seed", help="YAML or JSON file describing the seeded world (see README).", show_default=False),
    ] = None,
    provisioning_delay: Annotated[
        float, typer.Option("--provisioning-delay", help="Seconds before an operation turns Succeeded.", min=0)
    ] = 0.0,
    latency: Annotated[int, typer.Option("--latency", help="Milliseconds added to every ARM request.", min=0)] = 0,
    faults: Annotated[
        list[str] | None,
        typer.Option("--fault", help="Fault to inject, e.g. throttle:count=2,retry_after=1, error503:rate=0.2, "
                     "drop:count=1, fail-operation:count=1, seed=42. Repeatable.", show_default=False),
    ] = None,
    cert_dir: Annotated[
        str | None,
        typer.Option("--cert-dir", help="Where the local CA and server certificate live (reused across runs). "
                     "Default: the user data directory.", show_default=False),
    ] = None,
    time_scale: Annotated[
        float,
        typer.Option("--time-scale", help="Real seconds per emulated second of event delivery: 0.001 makes the "
                     "10 s first retry 10 ms and the 30 s response timeout 30 ms (at least 0.25 s).", min=0.000001),
    ] = 1.0,
    dead_letter_dir: Annotated[
        str | None,
        typer.Option("--dead-letter-dir", help="Folder standing in for dead-letter blob containers: "
                     "<account>/<container>/<subscription>/<event id>.json. Default: dead-letter/ next to the "
                     "--state file, else in the user data directory.", show_default=False),
    ] = None,
    spool_dir: Annotated[
        str | None,
        typer.Option("--spool-dir", help="Folder of the spool files (one JSONL file per destination resource id) "
                     "for Event Hub, Service Bus, Storage queue and Hybrid Connection destinations. Default: spool/ "
                     "next to the --state file, else in the user data directory.", show_default=False),
    ] = None,
    route_functions: Annotated[
        list[str] | None,
        typer.Option("--route-function", help="Deliver to an AzureFunction destination over HTTP at a local URL "
                     "instead of spooling: RESOURCE_ID=URL (e.g. the function's id=http://localhost:7071/runtime/"
                     "webhooks/EventGrid?functionName=OnModel). Repeatable.", show_default=False),
    ] = None,
    validate_endpoints: Annotated[
        ValidateMode,
        typer.Option("--validate-endpoints", help="Which webhooks get the validation handshake on create and on an "
                     "endpoint change: loopback (handlers on this machine; other hosts, e.g. example.com, are "
                     "accepted without one), all, or none.", case_sensitive=False),
    ] = ValidateMode.loopback,
    allow_http_loopback: Annotated[
        bool,
        typer.Option("--allow-http-loopback", help="Accept http:// webhooks on 127.0.0.1/localhost/::1 (a local "
                     "handler without TLS). A deviation: Azure refuses every http:// endpoint."),
    ] = False,
    arm_throttling: Annotated[
        bool,
        typer.Option("--arm-throttling", help="Throttle as ARM does: token buckets per Azure subscription and "
                     "principal (reads 250 + 25/s, writes 200 + 10/s, deletes 200 + 10/s), 429 with Retry-After; "
                     "rates can be changed with PUT /_emulator/config."),
    ] = False,
) -> None:
    """Serve the emulator over HTTPS on 127.0.0.1 until SIGINT/SIGTERM.

    When ready it prints exactly one JSON line on stdout: url, caCert, authorityHost, metadataEndpoint,
    subscriptionId, tenantId, principals (name -> object id), clients (name -> clientId and clientSecret of its
    service-principal sign-in), resourceGroup and workspaces. It exits 0 when stopped by a signal.

    Besides ARM it serves what a sign-in needs: cloud metadata for `az cloud register`, and OpenID configuration
    and token endpoints (client credentials) for azure-identity and `az login --service-principal`.

    It also delivers events published with `amlevents events publish --emulator URL` (or POST /_emulator/events)
    to the subscriptions' endpoints, as Event Grid does: schema, batching, headers, retries, dead-lettering.

    Example: amlevents emulator serve --port 8443 --state /tmp/arm.sqlite3 --provisioning-delay 3
    """
    import signal
    import threading
    from pathlib import Path

    from amlevents.cli.output import emit_line
    from amlevents.core.paths import data_dir
    from amlevents.emulator import EmulatorServer

    if cert_dir is None:
        cert_dir = str(data_dir() / "emulator" / "certs")
    Path(cert_dir).mkdir(parents=True, exist_ok=True)
    files = Path(state).parent if state else data_dir() / "emulator"
    routes = _function_routes(route_functions or [])
    stop = threading.Event()
    # restored when serve returns (or fails to start): run in-process (tests, an embedding caller), the handlers
    # must not outlive it, or a later Ctrl-C in that process would only set this dead event
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum in previous:
        signal.signal(signum, lambda *_: stop.set())
    try:
        server = EmulatorServer(
            port=port,
            state_path=state,
            seed=seed,
            provisioning_delay=provisioning_delay,
            latency_ms=latency,
            faults=list(faults or ()),
            cert_dir=cert_dir,
            time_scale=time_scale,
            dead_letter_dir=dead_letter_dir or files / "dead-letter",
            spool_dir=spool_dir or files / "spool",
            function_routes=routes,
            validate_endpoints=validate_endpoints.value,
            allow_http_loopback=allow_http_loopback,
            arm_throttling=arm_throttling,
        ).start()
        try:
            emit_line(server.ready_info())
            while not stop.wait(0.5):
                pass
        finally:
            server.stop()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _function_routes(items: list[str]) -> dict[str, str]:
    """``--route-function RESOURCE_ID=URL`` values as a mapping; ``InvalidInputError`` for a malformed one."""
    from amlevents.core.errors import InvalidInputError
    from amlevents.core.redact import redact_text

    routes = {}
    for item in items:
        resource_id, _, url = item.partition("=")
        if not resource_id.strip().startswith("/subscriptions/") or not url.startswith(("http://", "https://")):
            raise InvalidInputError(f"--route-function '{redact_text(item)}' is not RESOURCE_ID=URL",
                                    hint="give the function's ARM id, '=', and an http(s) URL")
        routes[resource_id.strip()] = url
    return routes
