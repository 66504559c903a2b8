"""HTTPS transport: pooled keep-alive connections whose TLS uses one ``ssl.SSLContext`` per CA bundle per process.

Handed a CA path (``connection_verify``, or certifi's bundle that requests substitutes for ``True``), urllib3 builds
a new ``SSLContext`` and reads and parses the bundle again for every connection it opens: 446 reads of the file in
one ``apply``. ``HttpSession`` gives urllib3 a context built once per bundle instead, and takes the path out of the
pool settings so that urllib3 does not load it into that context again. Its pools are sized for the workflow's
threads (requests keeps 10 connections per host and drops the rest, each of which then had to be opened anew).
"""

from __future__ import annotations

import os
import ssl
import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter

POOL_SIZE = 32  # connections kept per host: the widest pool of a command (arm.scheduler's 32 status checks)

_CONTEXTS: dict[tuple[str, int, int], ssl.SSLContext] = {}
_CONTEXTS_LOCK = threading.Lock()


def shared_ssl_context(ca_path: str) -> ssl.SSLContext:
    """The process's ``SSLContext`` trusting the CA bundle at ``ca_path``; the file is read once.

    Keyed by the file's identity (path, size, modification time) as well as its path, so a bundle rewritten in place
    (an emulator that made new certificates in the same directory) is read again rather than trusted stale.
    """
    from urllib3.util.ssl_ import create_urllib3_context

    path = os.path.abspath(ca_path)
    info = os.stat(path)
    key = (path, info.st_size, info.st_mtime_ns)
    with _CONTEXTS_LOCK:
        context = _CONTEXTS.get(key)
        if context is None:
            # urllib3's own defaults (TLS 1.2+, its cipher and ALPN choices), so only the reading is shared
            context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
            context.load_verify_locations(cafile=path)
            _CONTEXTS[key] = context
        return context


class SharedContextAdapter(HTTPAdapter):
    """A requests adapter whose verified HTTPS connections use ``shared_ssl_context`` for their CA bundle."""

    def __init__(self) -> None:
        from urllib3.util.retry import Retry

        # azure-core retries itself (with our deadline): urllib3 must not, as azure-core's own adapter is set up
        super().__init__(pool_maxsize=POOL_SIZE, max_retries=Retry(total=False, redirect=False, raise_on_status=False))

    def build_connection_pool_key_attributes(self, request: Any, verify: Any, cert: Any = None
                                             ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if _shares_context(host_params.get("scheme", ""), verify, cert) and "ca_cert_dir" not in pool_kwargs:
            bundle = pool_kwargs.get("ca_certs") or _default_bundle()
            if os.path.isfile(bundle):  # else requests' cert_verify reports the missing bundle, as it always did
                pool_kwargs.pop("ca_certs", None)
                # the context is part of urllib3's pool key: one pool per host and bundle, as before
                pool_kwargs["ssl_context"] = shared_ssl_context(bundle)
        return host_params, pool_kwargs

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        if not (_shares_context(url.split(":", 1)[0], verify, cert) and conn.conn_kw.get("ssl_context") is not None):
            super().cert_verify(conn, url, verify, cert)
            return
        # requests would set the bundle's path on the pool, and urllib3 would then load it into the shared context
        # for every new connection. The pool is shared by threads: only ever assign the verifying values here.
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None
        conn.ca_cert_dir = None


def _shares_context(scheme: str, verify: Any, cert: Any) -> bool:
    """Whether a request verifies HTTPS against a CA bundle file (no client certificate): the shared case."""
    return scheme.lower() == "https" and verify is not False and cert is None and not (
        isinstance(verify, str) and os.path.isdir(verify))


def _default_bundle() -> str:
    """The bundle requests verifies against when told ``True`` (certifi's, as in its ``cert_verify``)."""
    from requests.utils import DEFAULT_CA_BUNDLE_PATH

    return str(DEFAULT_CA_BUNDLE_PATH)


class HttpSession:
    """One requests session for the clients and the credential of one ``arm.Session``: pooled keep-alive
    connections (TLS handshakes shared by every client and thread), closed with it."""

    def __init__(self) -> None:
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    def transport(self, verify: str | bool, **kwargs: Any) -> Any:
        """An azure-core ``RequestsTransport`` on the shared session, verifying TLS with ``verify``."""
        from azure.core.pipeline.transport import RequestsTransport

        with self._lock:
            if self._session is None:
                session = requests.Session()
                adapter = SharedContextAdapter()
                session.mount("https://", adapter)
                session.mount("http://", adapter)
                self._session = session
        # session_owner=False: closing one client must not close the connections the others use
        return RequestsTransport(session=self._session, session_owner=False, connection_verify=verify, **kwargs)

    def close(self) -> None:
        """Close the pooled connections."""
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None
