"""One HTTP(S) POST to a handler, bounded in every way: urllib3's pooled client, no redirects followed (a 3xx
is a failure with its status), the service's response timeout (connect and each read), at most ``MAX_READ`` bytes
of the answer read (the rest is discarded with the connection), and no exception escapes: a transport failure is
an ``Answer`` with ``status=None`` and a redacted ``error``.

Certificates are verified against the system's trust store plus the emulator's own CA (a handler on this machine
can serve the emulator's ``server.pem``, issued for 127.0.0.1 and localhost), as the service refuses self-signed
certificates.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path

import urllib3

from amlevents.core.redact import redact_text

MAX_READ = 64 * 1024


@dataclass(frozen=True)
class Answer:
    """What came back: the status (None when there was no HTTP answer), ``error`` (``timeout``, ``tls``,
    ``connection`` or ``protocol``) with a redacted ``detail``, and how many body bytes were read."""

    status: int | None
    error: str | None = None
    detail: str | None = None
    body_bytes: int = 0
    seconds: float = 0.0
    body: bytes = b""  # what was read, only when asked for (``keep_body``)
    headers: dict[str, str] = field(default_factory=dict)


def _context(ca_cert: str | Path | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_cert is not None and Path(ca_cert).is_file():
        context.load_verify_locations(cafile=str(ca_cert))
    return context


class Sender:
    """A pooled HTTP client for deliveries (thread-safe; close it when done)."""

    def __init__(self, ca_cert: str | Path | None = None, pool_size: int = 8) -> None:
        self._pool = urllib3.PoolManager(num_pools=32, maxsize=pool_size, ssl_context=_context(ca_cert),
                                         retries=False)

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
        """POST ``body`` to ``url``; never raises."""
        return self.request("POST", url, body, headers, timeout)

    def request(self, method: str, url: str, body: bytes | None, headers: dict[str, str],
                timeout: float, keep_body: bool = False) -> Answer:
        """Send one request and read at most ``MAX_READ`` bytes of the answer (kept in ``Answer.body`` with
        ``keep_body``); never raises."""
        started = time.monotonic()
        response = None
        try:
            response = self._pool.request(method, url, body=body, headers=headers, redirect=False, retries=False,
                                          preload_content=False, timeout=urllib3.Timeout(connect=timeout,
                                                                                         read=timeout))
            read, kept = 0, []
            while read < MAX_READ and time.monotonic() - started < 2 * timeout:
                chunk = response.read(min(16 * 1024, MAX_READ - read))
                if not chunk:
                    break
                read += len(chunk)
                if keep_body:
                    kept.append(chunk)
            return Answer(response.status, body_bytes=read, seconds=time.monotonic() - started,
                          body=b"".join(kept), headers=dict(response.headers))
        except Exception as exc:  # noqa: BLE001 - any failure of a handler is an outcome, never a crash
            return Answer(None, _kind(exc), redact_text(f"{type(exc).__name__}: {exc}")[:300],
                          seconds=time.monotonic() - started)
        finally:
            if response is not None:
                # an answer read only in part cannot be reused: close it rather than drain megabytes
                response.release_conn() if response.length_remaining == 0 else response.close()

    def close(self) -> None:
        """Close every pooled connection."""
        self._pool.clear()


def _kind(exc: Exception) -> str:
    chain: list[BaseException] = [exc]
    while chain[-1].__cause__ is not None or chain[-1].__context__ is not None:
        chain.append(chain[-1].__cause__ or chain[-1].__context__)  # type: ignore[arg-type]
        if len(chain) > 8:
            break
    for item in chain:
        if isinstance(item, (urllib3.exceptions.TimeoutError, TimeoutError)):
            return "timeout"
        if isinstance(item, (urllib3.exceptions.SSLError, ssl.SSLError)):
            return "tls"
    if any(isinstance(item, urllib3.exceptions.ProtocolError) for item in chain):
        return "protocol"
    return "connection"
