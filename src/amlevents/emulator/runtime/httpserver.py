"""The HTTP/1.1 layer under ``EmulatorServer``: cheroot's threaded WSGI server, kept alive, over our own TLS.

Why cheroot: werkzeug's development server answers every request with ``Connection: close``, so each request
paid a TCP and TLS handshake (~14 ms where the handler works 1-3 ms). cheroot keeps HTTP/1.1 connections open
(idle ones wait in a selector, not in a thread), sets ``TCP_NODELAY`` and serves from a bounded thread pool.
What this module adds to it:

- TLS from ``tls.server_context`` with the handshake in the worker thread, not in cheroot's accepting loop
  (where one silent client would stall everybody); a client that fails it (plain HTTP, an untrusted CA) is
  closed without an answer.
- what the HTTP layer refuses before the app sees a request (a request line over ``MAX_REQUEST_LINE``: 414,
  headers over ``MAX_HEADER_BYTES``: 431, a malformed request: 400, a stalled one: 408) is answered in ARM's
  JSON error format, after reading the rest of an over-long head so the client gets the answer, not a reset.
- the app raising ``ConnectionError`` (the ``drop`` fault) closes the connection with no answer at all.
- a request body left unread, chunked or not, is read and thrown away (up to ``DRAIN_BYTES``) to keep the
  connection; a larger one closes the connection instead.
- worker threads are daemons (as werkzeug's were), so a process that never calls ``stop()`` still exits.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import threading
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from cheroot import errors as cheroot_errors
from cheroot import server as cheroot_server
from cheroot import wsgi
from cheroot.makefile import StreamReader, StreamWriter
from cheroot.workers import threadpool
from werkzeug.exceptions import RequestEntityTooLarge

from amlevents.emulator.runtime.errors import MAX_BODY_BYTES, ArmError, protocol_error

log = logging.getLogger("amlevents.emulator")
THREADS = 128  # requests served at once (idle keep-alive connections hold no thread; a --latency wait holds one)
START_THREADS = 4
KEEP_ALIVE_LIMIT = 128  # idle connections kept open; past this an answer says "Connection: close"
IDLE_TIMEOUT = 60  # seconds a connection may sit idle, in its TLS handshake, or mid-request
MAX_REQUEST_LINE = 64 * 1024 + 2
MAX_HEADER_BYTES = 64 * 1024
HEAD_DRAIN_BYTES = 1024 * 1024
DRAIN_BYTES = 2 * MAX_BODY_BYTES


class _TLSAdapter:
    """cheroot's SSL-adapter interface over our ``ssl.SSLContext``, deferring the handshake to the worker."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context

    def bind(self, sock: socket.socket) -> socket.socket:
        return sock

    def wrap(self, sock: socket.socket) -> tuple[ssl.SSLSocket, dict[str, Any]]:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle wait between head and body
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), {}

    def get_environ(self) -> dict[str, Any]:
        return {}

    def makefile(self, sock: ssl.SSLSocket, mode: str = "r", bufsize: int = 8192) -> Any:
        return _Reader(sock, mode, bufsize) if "r" in mode else StreamWriter(sock, mode, bufsize)


class _Reader(StreamReader):
    def __init__(self, sock: ssl.SSLSocket, mode: str, bufsize: int) -> None:
        super().__init__(sock, mode, bufsize)
        self._tls = sock

    def has_data(self) -> bool:
        # bytes OpenSSL has decrypted but nobody read are invisible to select(): count them as waiting
        return super().has_data() or self._tls.pending() > 0

    def readline(self, size: int | None = -1) -> bytes:
        # cheroot reads through the pure-Python _pyio, whose readline costs a peek() and a read() call per line; a
        # line already in the buffer (every line of a request head that arrived whole) is sliced out at once
        limit = -1 if size is None else size
        buf, pos = self._read_buf, self._read_pos
        end = buf.find(b"\n", pos)
        if end < 0:
            return super().readline(limit)
        stop = end + 1 if limit < 0 else min(end + 1, pos + limit)
        self._read_pos = stop
        self.bytes_read += stop - pos
        return buf[pos:stop]


class _ChunkedBody(cheroot_server.ChunkedRFile):
    """A chunked body refused past ``DRAIN_BYTES`` the way the app refuses a long one (werkzeug's 413), before a
    declared chunk is read into memory."""

    def _fetch(self) -> None:
        try:
            super()._fetch()
        except (OSError, cheroot_errors.MaxSizeExceeded):
            raise RequestEntityTooLarge() from None


class _Held:
    """Where ``_Request.send_headers`` has cheroot write the response head, to send it with the body."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> int:
        self.data += data
        return len(data)


class _Request(cheroot_server.HTTPRequest):
    def __init__(self, server: Any, conn: Any) -> None:
        # not strict: a path that starts with "//" is a path here (the app normalizes it), as in werkzeug's server
        super().__init__(server, conn, strict_mode=False)

    def parse_request(self) -> None:
        """cheroot's, with separate limits for the request line (414) and the headers (431)."""
        self.rfile = cheroot_server.SizeCheckWrapper(self.conn.rfile, MAX_REQUEST_LINE)
        try:
            if not self.read_request_line():
                return
        except cheroot_errors.MaxSizeExceeded:
            self.simple_response("414 Request-URI Too Long")
            return
        self.rfile = cheroot_server.SizeCheckWrapper(self.conn.rfile, MAX_HEADER_BYTES)
        try:
            if not self.read_request_headers():
                return
        except cheroot_errors.MaxSizeExceeded:
            self.simple_response("431 Request Header Fields Too Large")
            return
        self.ready = True

    def respond(self) -> None:
        self._head = b""
        if self.chunked_read:  # cheroot's respond() builds the body reader; give it the bounded one
            self.rfile = _ChunkedBody(self.conn.rfile, DRAIN_BYTES)
            self.server.gateway(self).respond()
            if self.ready:
                self.ensure_headers_sent()
            self._send_head()
            if self.chunked_write:
                self.conn.wfile.write(b"0\r\n\r\n")
            return
        super().respond()
        self._send_head()  # an answer without a body (204, 202)

    def write(self, chunk: bytes) -> None:
        if getattr(self, "_head", b"") and not self.chunked_write:
            # the head and the body in one write: one TLS record and one system call on each side, not two
            head, self._head = self._head, b""
            self.conn.wfile.write(head + chunk)
            return
        self._send_head()
        super().write(chunk)

    def _send_head(self) -> None:
        head, self._head = getattr(self, "_head", b""), b""
        if head:
            self.conn.wfile.write(head)

    def send_headers(self) -> None:
        # keep the connection only if what is left of the body can be read cheaply (cheroot reads the rest of a
        # body of known length itself, but never a chunked one's)
        if self.chunked_read and not self.close_connection and not self.rfile.closed:
            try:
                while self.rfile.read(64 * 1024):
                    pass
            except (RequestEntityTooLarge, OSError, ValueError):  # too long, or not chunked as it said
                self.close_connection = True
        elif getattr(self.rfile, "remaining", 0) > DRAIN_BYTES:
            self.close_connection = True
        wfile, held = self.conn.wfile, _Held()
        self.conn.wfile = held  # cheroot writes the head at once: hold it for the body's write (``write``)
        try:
            super().send_headers()
        finally:
            self.conn.wfile = wfile
        self._head = bytes(held.data)
        if self.chunked_write:  # no length: cheroot's chunks follow the head as it writes them
            self._send_head()

    def simple_response(self, status: Any, msg: Any = "") -> None:
        """The HTTP layer's refusals in ARM's JSON error format (never cheroot's text/plain), then close."""
        code = int(str(status)[:3])
        error = (ArmError(500, "InternalServerError", "Encountered internal server error.") if code == 500
                 else protocol_error(code))
        if code in (414, 431):
            self._discard_head()
        body = json.dumps(error.body(), separators=(",", ":")).encode()
        head = (f"HTTP/1.1 {status}\r\nContent-Type: application/json; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        self.close_connection = True
        try:
            self.conn.wfile.write(head.encode("latin-1") + body)
        except OSError:
            pass  # the client is gone; nothing to tell it

    def _discard_head(self) -> None:
        """Read the rest of an over-long request head (to its blank line, at most ``HEAD_DRAIN_BYTES``) so the
        client reads this answer instead of a connection reset caused by the bytes left unread."""
        left = HEAD_DRAIN_BYTES
        try:
            while left > 0:
                line = self.conn.rfile.readline(min(left, 65537))
                left -= len(line)
                if line in (b"", b"\r\n", b"\n"):
                    return
        except OSError:
            pass


class _Connection(cheroot_server.HTTPConnection):
    RequestHandlerClass = _Request
    _handshaken = False

    def communicate(self) -> bool:
        if not self._handshaken:
            try:
                self.socket.do_handshake()
            except (OSError, ValueError) as exc:  # plain HTTP, an untrusted CA, a reset or a timeout
                log.debug("TLS handshake failed: %s", type(exc).__name__)
                return False
            self._handshaken = True
        return super().communicate()


class _Gateway(wsgi.Gateway_10):
    def get_environ(self) -> dict[str, Any]:
        env = super().get_environ()
        # PATH_INFO as werkzeug's server made it: all of the path decoded (cheroot keeps %2F), and a path that
        # starts with "//" (az's metadata request) taken as a path, not as a host
        url = urlsplit(self.req.uri)  # bytes in, bytes out
        path = b"/" + url.netloc + url.path if url.netloc and not url.scheme else url.path
        env["PATH_INFO"] = unquote_to_bytes(path).decode("latin-1")
        env["SERVER_NAME"] = self.req.server.bind_addr[0]  # a request without Host: the URL is still 127.0.0.1
        return env

    def respond(self) -> None:
        try:
            super().respond()
        except ConnectionError:  # the drop fault: no answer at all, and the connection closes
            self.req.ready = False
            self.req.close_connection = True


class _Pool(threadpool.ThreadPool):
    """cheroot's worker pool with daemon threads, started small and grown while every worker is busy (cheroot
    never grows it by itself), up to ``max``: starting 48 threads would add ~10 ms to every ``--local`` command."""

    def __init__(self, server: Any, start: int, limit: int) -> None:
        super().__init__(server, min=start, max=limit)
        self._growing = threading.Lock()

    def put(self, obj: Any) -> None:
        super().put(obj)
        if len(self._threads) < self.max and self.idle < self.qsize:
            with self._growing:
                if len(self._threads) < self.max:
                    self.grow(1)

    def _spawn_worker(self) -> threadpool.WorkerThread:
        worker = threadpool.WorkerThread(self.server)
        worker.name = f"amlevents-emulator-worker-{len(self._threads)}"
        worker.daemon = True
        worker.start()
        return worker

    def grow(self, amount: int) -> None:
        # cheroot polls each new worker's readiness every 0.1 s; a queued connection waits for a worker anyway
        budget = max(self.max - len(self._threads), 0)
        self._threads.extend(self._spawn_worker() for _ in range(min(amount, budget)))


class Server(wsgi.Server):
    """cheroot's WSGI server with the pieces above, on ``(host, port)``; ``prepare()`` binds, ``serve()`` loops."""

    ConnectionClass = _Connection
    keep_alive_conn_limit = KEEP_ALIVE_LIMIT
    expiration_interval = 0.05  # also how long stop() may wait for the selector loop

    def __init__(self, host: str, port: int, app: Any, context: ssl.SSLContext) -> None:
        super().__init__((host, port), app, numthreads=START_THREADS, request_queue_size=128, timeout=IDLE_TIMEOUT,
                         shutdown_timeout=1, server_name="amlevents-emulator")
        self.gateway = _Gateway
        self.ssl_adapter = _TLSAdapter(context)
        self.requests = _Pool(self, START_THREADS, THREADS)

    @property
    def port(self) -> int:
        """The bound port (after ``prepare()``)."""
        return int(self.bind_addr[1])

    def serve(self) -> None:
        # cheroot's serve() also starts a non-daemon thread for answering 503 when the accept queue is full;
        # ours is unbounded, so run just the selector loop (a thread left behind would block interpreter exit).
        while self.ready and not self.interrupt:
            try:
                self._connections.run(self.expiration_interval)
            except Exception:  # keep serving, as cheroot does
                log.debug("error in the emulator's connection loop", exc_info=True)

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        # cheroot writes these to stderr; they are connection noise (resets, timeouts), not the CLI's output
        log.debug("%s", msg, exc_info=traceback)
