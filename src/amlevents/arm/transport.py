"""HTTPS transport: pooled keep-alive connections whose TLS uses one ``ssl.SSLContext`` per CA bundle per process.

Handed a CA path (``connection_verify``, or certifi's bundle that requests substitutes for ``True``), urllib3 builds
a new ``SSLContext`` and reads and parses the bundle again for every connection it opens: 446 reads of the file in
one ``apply``. ``HttpSession`` gives urllib3 a context built once per bundle instead, and takes the path out of the
pool settings so that urllib3 does not load it into that context again. Its pools are sized for the workflow's
threads (requests keeps 10 connections per host and drops the rest, each of which then had to be opened anew).
What requests and the adapter would otherwise look up on every request (proxy variables, ~/.netrc, the bundle's
files) is looked up once per host (``EnvironmentOnceSession``, ``SharedContextAdapter``).
"""

from __future__ import annotations

import os
import ssl
import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

POOL_SIZE = 64  # connections kept per host: the widest pool of a command (arm.reconcile's 64 hidden-value reads)

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
    """A requests adapter whose verified HTTPS connections use ``shared_ssl_context`` for their CA bundle.

    What it learns about the files (is ``verify`` a directory, is the bundle a file, its context) is kept for the
    adapter's life, one command: asked on every request, those were four file-system calls each, and every call
    lets the other threads' requests take the interpreter lock in between.
    """

    def __init__(self) -> None:
        from urllib3.util.retry import Retry

        # azure-core retries itself (with our deadline): urllib3 must not, as azure-core's own adapter is set up
        super().__init__(pool_maxsize=POOL_SIZE, max_retries=Retry(total=False, redirect=False, raise_on_status=False))
        self._directories: dict[str, bool] = {}
        self._contexts: dict[str, ssl.SSLContext | None] = {}

    def build_connection_pool_key_attributes(self, request: Any, verify: Any, cert: Any = None
                                             ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if self._shares_context(host_params.get("scheme", ""), verify, cert) and "ca_cert_dir" not in pool_kwargs:
            context = self._context(pool_kwargs.get("ca_certs") or default_bundle())
            if context is not None:  # else requests' cert_verify reports the missing bundle, as it always did
                pool_kwargs.pop("ca_certs", None)
                # the context is part of urllib3's pool key: one pool per host and bundle, as before
                pool_kwargs["ssl_context"] = context
        return host_params, pool_kwargs

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        if not (self._shares_context(url.split(":", 1)[0], verify, cert)
                and conn.conn_kw.get("ssl_context") is not None):
            super().cert_verify(conn, url, verify, cert)
            return
        # requests would set the bundle's path on the pool, and urllib3 would then load it into the shared context
        # for every new connection. The pool is shared by threads: only ever assign the verifying values here.
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None
        conn.ca_cert_dir = None

    def _shares_context(self, scheme: str, verify: Any, cert: Any) -> bool:
        """Whether a request verifies HTTPS against a CA bundle file (no client certificate): the shared case."""
        if scheme.lower() != "https" or verify is False or cert is not None:
            return False
        if not isinstance(verify, str):
            return True
        directory = self._directories.get(verify)
        if directory is None:
            directory = self._directories[verify] = os.path.isdir(verify)
        return not directory

    def _context(self, bundle: str) -> ssl.SSLContext | None:
        """The shared context of the CA bundle file at ``bundle`` (None when there is no such file)."""
        if bundle not in self._contexts:
            self._contexts[bundle] = shared_ssl_context(bundle) if os.path.isfile(bundle) else None
        return self._contexts[bundle]


def default_bundle() -> str:
    """The bundle requests verifies against when told ``True`` (certifi's, as in its ``cert_verify``)."""
    from requests.utils import DEFAULT_CA_BUNDLE_PATH

    return str(DEFAULT_CA_BUNDLE_PATH)


class _NoAuth(AuthBase):
    """No ~/.netrc entry for the host: the request goes as it is (what requests does when it finds none)."""

    def __call__(self, request: Any) -> Any:
        return request


_NO_AUTH = _NoAuth()


class EnvironmentOnceSession(requests.Session):
    """A requests session that reads the environment's proxy, CA-bundle and ~/.netrc settings once per host, not per
    request.

    requests looks them up on every request (``merge_environment_settings``: every variable of ``os.environ``
    decoded twice for the proxies; two ``stat`` calls for ~/.netrc): 0.15-0.3 ms of CPU a request with 35
    variables, more with a CI runner's hundreds, over a fleet plan's 5,000 getFullUrl reads. A command's environment
    does not change while it runs, so the answer for one host (and the same settings asked for) is the answer for
    every request to it. Explicit ``proxies`` are merged as requests does, every time.
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._netrc: dict[tuple[str, str], Any] = {}
        self._looking = threading.Lock()  # taken only to fill a cache: the threads' first requests all arrive at once

    def _once(self, cache: dict[Any, Any], key: Any, compute: Any) -> Any:
        """``cache[key]``, computed by one thread the first time it is asked for."""
        value = cache.get(key)
        if value is None:
            with self._looking:
                value = cache.get(key)
                if value is None:
                    value = cache[key] = compute()
        return value

    def prepare_request(self, request: Any) -> Any:
        # requests looks for ~/.netrc (two file-system calls) for every request that carries no auth of its own;
        # its answer for a host is looked up once here and handed to requests as that request's auth
        url = request.url
        if self.trust_env and not request.auth and not self.auth and isinstance(url, str):
            from urllib.parse import urlsplit

            parts = urlsplit(url)
            if "@" not in parts.netloc:  # user-info in the URL: requests' own rules
                from requests.utils import get_netrc_auth

                request.auth = self._once(self._netrc, (parts.scheme.lower(), parts.netloc.lower()),
                                          lambda: get_netrc_auth(url) or _NO_AUTH)
        return super().prepare_request(request)

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        if proxies or not self.trust_env:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        key = (parts.scheme.lower(), parts.netloc.lower(), stream, verify, cert)
        try:
            hash(key)
        except TypeError:  # an unhashable setting: requests' own way
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        settings = self._once(self._environment, key,
                              lambda: super(EnvironmentOnceSession, self).merge_environment_settings(
                                  url, {}, stream, verify, cert))
        return {**settings, "proxies": dict(settings["proxies"])}  # requests' callers may change their copy


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
                session = EnvironmentOnceSession()
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
