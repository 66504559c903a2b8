"""``EmulatorServer``: the emulator as an embeddable, threaded HTTPS server on 127.0.0.1.

    with EmulatorServer() as server:                  # port 0: a free port
        client = EventGridManagementClient(EmulatorCredential("owner"), server.subscription_id,
                                           base_url=server.url, connection_verify=server.ca_cert_path, ...)

It binds to 127.0.0.1 only (there is no host option: the emulator trusts every token, so it must not be
reachable from other machines). TLS uses a certificate from a local CA (``tls.py``) kept in ``cert_dir``
(a temporary directory, removed on ``stop()``, when none is given). The HTTP layer (``httpserver.py``, on
cheroot) keeps HTTP/1.1 connections alive with ``TCP_NODELAY``, does each TLS handshake in a worker thread and
times idle connections out, so one stuck client cannot stall the server; what it refuses before the app sees a
request (414, 431, 400 ...) is answered in ARM's JSON error format too, never with an HTML or text page.

It also runs the data plane (``emulator/delivery``): ``time_scale`` compresses delivery time (retries, timeouts),
dead-lettered events go under ``dead_letter_dir`` and spooled ones under ``spool_dir`` (both default to
``dead-letter/`` and ``spool/`` next to the state file, or to a temporary directory removed on ``stop()``), and
``function_routes`` maps Azure Function resource ids to local URLs. Webhooks get the validation handshake on
create and on an endpoint change: loopback endpoints by default (``validate_endpoints="loopback"``; ``"all"``
tries every endpoint, ``"none"`` none); ``allow_http_loopback`` accepts ``http://`` loopback webhooks (Azure
refuses every ``http://``: a documented deviation for handlers run locally without TLS). ``arm_throttling`` turns
on ARM's per-subscription token buckets (``runtime/throttling.py``; off by default).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from amlevents.emulator.delivery import Dispatcher
from amlevents.emulator.runtime.app import EmulatorApp
from amlevents.emulator.runtime.backend import Backend
from amlevents.emulator.runtime.faults import FaultRule, Faults
from amlevents.emulator.runtime.httpserver import Server
from amlevents.emulator.runtime.tls import (
    CertPaths,
    ensure_certificates,
    server_context,
)

log = logging.getLogger("amlevents.emulator")
HOST = "127.0.0.1"


class EmulatorServer:
    """The ARM emulator over HTTPS; ``start()``/``stop()`` or use it as a context manager."""

    def __init__(
        self,
        port: int = 0,
        state_path: str | Path | None = None,
        seed: str | Path | dict[str, Any] | None = None,
        provisioning_delay: float = 0.0,
        latency_ms: int = 0,
        faults: Any = (),
        cert_dir: str | Path | None = None,
        time_scale: float = 1.0,
        dead_letter_dir: str | Path | None = None,
        spool_dir: str | Path | None = None,
        function_routes: dict[str, str] | None = None,
        validate_endpoints: str = "loopback",
        allow_http_loopback: bool = False,
        arm_throttling: bool = False,
    ) -> None:
        self.backend = Backend(state_path, seed, provisioning_delay)
        self.backend.validate_endpoints = validate_endpoints
        self.backend.allow_http_loopback = allow_http_loopback
        # Delivery files default next to the state file, or to a temporary directory made on start() and removed
        # on stop() (an in-memory emulator keeps nothing either).
        base = Path(state_path).parent if state_path is not None else None
        self._own_files: Path | None = None
        self.delivery = Dispatcher(time_scale=time_scale,
                                   dead_letter_dir=dead_letter_dir or (base and base / "dead-letter"),
                                   spool_dir=spool_dir or (base and base / "spool"),
                                   function_routes=function_routes)
        self._given_dirs = (self.delivery.dead_letter_dir, self.delivery.spool_dir)
        self.app = EmulatorApp(self.backend, faults, latency_ms, self.delivery, arm_throttling)
        self.ready = threading.Event()
        self._port = port
        self._cert_dir = Path(cert_dir) if cert_dir is not None else None
        self._own_cert_dir = False
        self._certs: CertPaths | None = None
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> EmulatorServer:
        """Bind, start serving in a background thread, set ``ready``; returns self."""
        if self._server is not None:
            return self
        if self._cert_dir is None:
            self._cert_dir, self._own_cert_dir = Path(tempfile.mkdtemp(prefix="amlevents-emulator-")), True
        self._certs = ensure_certificates(self._cert_dir)
        server = Server(HOST, self._port, self.app, server_context(self._certs))
        server.prepare()  # binds (OSError when the port is taken) and starts the worker threads
        self._server = server
        self._thread = threading.Thread(target=server.serve, name=f"amlevents-emulator-{server.port}",
                                        daemon=True)
        self._thread.start()
        if self.delivery.dead_letter_dir is None or self.delivery.spool_dir is None:
            self._own_files = Path(tempfile.mkdtemp(prefix="amlevents-delivery-"))
            self.delivery.dead_letter_dir = self.delivery.dead_letter_dir or self._own_files / "dead-letter"
            self.delivery.spool_dir = self.delivery.spool_dir or self._own_files / "spool"
        self.delivery.start(ca_cert=self._certs.ca_cert)  # handlers may serve a certificate of our local CA
        self.app.base_url = self.url  # validation URLs of webhook handshakes point here
        self.ready.set()
        return self

    def stop(self) -> None:
        """Stop serving, close the database, remove a temporary certificate directory."""
        if self._server is not None:
            self._server.stop()  # closes the listening socket and every connection, joins the workers
            if self._thread is not None:
                self._thread.join(timeout=10)
            self._server = self._thread = None
        self.ready.clear()
        self.delivery.stop()
        self.backend.close()
        if self._own_files is not None:
            shutil.rmtree(self._own_files, ignore_errors=True)
            self.delivery.dead_letter_dir, self.delivery.spool_dir = self._given_dirs
            self._own_files = None
        if self._own_cert_dir and self._cert_dir is not None:
            shutil.rmtree(self._cert_dir, ignore_errors=True)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what clients need ----------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (after ``start()``)."""
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return self._server.port

    @property
    def url(self) -> str:
        """``https://127.0.0.1:PORT``, the ``base_url`` for SDK clients."""
        return f"https://{HOST}:{self.port}"

    @property
    def ca_cert_path(self) -> str:
        """The CA certificate to trust (``connection_verify``)."""
        if self._certs is None:
            raise RuntimeError("the emulator is not started")
        return str(self._certs.ca_cert)

    @property
    def subscription_id(self) -> str:
        """The seeded Azure subscription id."""
        return self.backend.world.subscription_id

    @property
    def tenant_id(self) -> str:
        """The seeded tenant id."""
        return self.backend.world.tenant_id

    @property
    def principals(self) -> dict[str, str]:
        """Seeded principal name -> object id."""
        return {name: p.object_id for name, p in self.backend.world.principals.items()}

    @property
    def faults(self) -> Faults:
        """The active fault rules (add or clear them at run time)."""
        return self.app.faults

    def add_fault(self, *rules: FaultRule | str) -> None:
        """Add fault rules (objects or spec strings such as ``"throttle:count=2"``)."""
        self.app.faults.add(*rules)

    @property
    def clients(self) -> dict[str, tuple[str, str]]:
        """Seeded principal name -> (client id, client secret) of its service-principal sign-in."""
        return {name: (p.client_id, p.client_secret) for name, p in self.backend.world.principals.items()}

    def ready_info(self) -> dict[str, Any]:
        """What a client needs to connect: url, caCert, authorityHost, metadataEndpoint, subscriptionId, tenantId,
        principals (name -> object id), clients (name -> clientId, clientSecret), workspaces."""
        return {"url": self.url, "caCert": self.ca_cert_path, "authorityHost": self.url,
                "metadataEndpoint": f"{self.url}/metadata/endpoints?api-version=2022-09-01", **self.app.info()}
