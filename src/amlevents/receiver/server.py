"""The receiver served over HTTP/1.1 (keep-alive) on cheroot, plain or with TLS, in a background thread.

``Receiver(app, host, port, tls=(cert, key)).start()`` binds (port 0: any free port), serves until ``stop()``.
TLS uses cheroot's built-in adapter with the certificate files handed in (``listen --https`` hands it a
certificate signed by the local emulator's CA); this package never makes certificates itself.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from cheroot import wsgi

log = logging.getLogger("amlevents.receiver")
THREADS = 8  # a local handler for one developer: a few concurrent deliveries at most
IDLE_TIMEOUT = 30  # seconds, as the service waits for an answer


class _Server(wsgi.Server):
    expiration_interval = 0.05  # also how long stop() may wait for the connection loop

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        # connection noise (resets, failed TLS handshakes) stays out of the CLI's stderr
        log.debug("%s", msg, exc_info=traceback)


class Receiver:
    """A running receiver: ``url`` once started; a context manager that stops it on exit."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0,
                 tls: tuple[str, str] | None = None) -> None:
        self._server = _Server((host, port), app, numthreads=THREADS, timeout=IDLE_TIMEOUT, shutdown_timeout=1,
                               server_name="amlevents-listen")
        if tls is not None:
            from cheroot.ssl.builtin import BuiltinSSLAdapter

            self._server.ssl_adapter = BuiltinSSLAdapter(*tls)
        self.host = host
        self.scheme = "https" if tls else "http"
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (after ``start()``)."""
        return int(self._server.bind_addr[1])

    @property
    def url(self) -> str:
        """The base URL deliveries go to, e.g. ``http://127.0.0.1:8765/``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}/"

    def start(self) -> Receiver:
        """Bind and serve in a daemon thread; raises ``OSError`` when the address is taken."""
        self._server.prepare()
        self._thread = threading.Thread(target=self._serve, name="amlevents-listen", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        # cheroot's serve() also starts a non-daemon thread (for 503 when the accept queue overflows) that would
        # keep the process alive after stop(): run just the connection loop, as the emulator does.
        while self._server.ready and not self._server.interrupt:
            try:
                self._server._connections.run(self._server.expiration_interval)
            except Exception:
                log.debug("error in the receiver's connection loop", exc_info=True)

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        if self._server.ready:
            self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Receiver:
        return self.start() if self._thread is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
