"""The HTTPS server: TLS from a local CA, 127.0.0.1 only, start/stop, ready info, the bare WSGI app, HTTP/1.1
keep-alive (kept through refusals, closed by a drop or an unread chunked body) and a pool that grows."""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import socket
import ssl
import time

import pytest
import requests
from cryptography import x509
from emulator_support import API, EVENT_SUBS, raw, webhook_body
from werkzeug.test import Client

from amlevents.emulator.identity.tokens import mint_token
from amlevents.emulator.runtime.app import EmulatorApp
from amlevents.emulator.runtime.backend import Backend
from amlevents.emulator.runtime.server import EmulatorServer
from amlevents.emulator.runtime.tls import ensure_certificates


def test_server_certificate_names_127_0_0_1_and_localhost(tmp_path):
    paths = ensure_certificates(tmp_path)
    cert = x509.load_pem_x509_certificate(paths.server_cert.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(paths.ca_cert.read_bytes()))


def test_the_ca_is_reused_on_restart(tmp_path):
    first = ensure_certificates(tmp_path).ca_cert.read_bytes()
    (tmp_path / "server.pem").unlink()
    assert ensure_certificates(tmp_path).ca_cert.read_bytes() == first


def test_start_stop_and_ready_info(tmp_path):
    server = EmulatorServer(cert_dir=tmp_path)
    with server:
        assert server.ready.is_set()
        info = server.ready_info()
        assert info["url"] == server.url and info["url"].startswith("https://127.0.0.1:")
        assert info["caCert"] == str(tmp_path / "ca.pem")
        assert info["principals"]["nobody"] == "55555555-5555-4555-8555-555555555555"
        assert {w["name"] for w in info["workspaces"]} == {"local-workspace", "local-workspace-2"}
        assert (info["subscriptionId"], info["resourceGroup"]) == (server.subscription_id, "amlevents-local")
        assert raw(server, "GET", EVENT_SUBS).status_code == 200
        port = server.port
    assert not server.ready.is_set()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_binds_to_loopback_only(emulator):
    assert emulator._server.socket.getsockname()[0] == "127.0.0.1"


def test_temporary_certificates_are_removed_on_stop():
    with EmulatorServer() as server:
        ca = server.ca_cert_path
    assert not os.path.exists(ca)


def test_plain_http_is_not_served(emulator):
    with pytest.raises(requests.ConnectionError):
        requests.get(emulator.url.replace("https", "http") + EVENT_SUBS, timeout=5)


def test_the_wsgi_app_works_without_a_server():
    app = EmulatorApp(Backend())
    token = mint_token(app.backend.world.principals["owner"].object_id)
    response = Client(app).get(EVENT_SUBS, query_string={"api-version": "2025-02-15"},
                               headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and json.loads(response.data) == {"value": []}


def test_a_silent_client_does_not_block_others(emulator):
    with socket.create_connection(("127.0.0.1", emulator.port)):
        assert raw(emulator, "GET", EVENT_SUBS).status_code == 200


# --- keep-alive ------------------------------------------------------------------------------------------------

def connect(server) -> http.client.HTTPSConnection:
    """One HTTPS connection to the emulator (http.client reconnects only when the server closed it)."""
    context = ssl.create_default_context(cafile=server.ca_cert_path)
    connection = http.client.HTTPSConnection("127.0.0.1", server.port, context=context, timeout=10)
    connection.connect()
    return connection


def send(connection, server, method: str, path: str = EVENT_SUBS, token: str | None = "owner", body=None,
         headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {mint_token(server.principals[token], server.tenant_id)}"
    connection.request(method, f"{path}?api-version={API}", body=body, headers=sent)
    response = connection.getresponse()
    response.read()
    return response


def test_requests_share_one_kept_alive_connection(emulator):
    connection = connect(emulator)
    first = connection.sock
    answers = [send(connection, emulator, "GET") for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 200]
    assert {a.getheader("Connection") for a in answers} == {None} and connection.sock is first


def test_accepted_connections_set_tcp_nodelay(emulator):
    connection = connect(emulator)
    assert send(connection, emulator, "GET").status == 200
    # the kept-alive connection goes back to cheroot's selector once its worker has finished the answer, which may
    # be just after the client read it: look at the server's end of it when it is there (bounded, not a fixed wait)
    deadline = time.monotonic() + 10
    while True:
        kept = [conn.socket for _, conn in emulator._server._connections._selector.connections
                if conn is not emulator._server]
        if kept or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert kept and all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in kept)


def test_a_refused_body_is_drained_and_the_connection_kept(emulator):
    connection = connect(emulator)
    first = connection.sock
    assert send(connection, emulator, "PUT", f"{EVENT_SUBS}/hook", token=None, body=b"x" * 100_000).status == 401
    assert send(connection, emulator, "GET").status == 200 and connection.sock is first


def test_a_read_chunked_body_keeps_the_connection(emulator):
    connection = connect(emulator)
    first = connection.sock
    body = iter([json.dumps(webhook_body()).encode()])  # an iterable: http.client sends it chunked
    assert send(connection, emulator, "PUT", f"{EVENT_SUBS}/hook", body=body,
                headers={"Content-Type": "application/json"}).status == 201
    assert send(connection, emulator, "GET").status == 200 and connection.sock is first


def chunked(*chunks: bytes, size: int | None = None) -> bytes:
    """A chunked body, sent as it is (one write, so the server's answer cannot cut it); ``size`` overstates the
    first chunk's length."""
    head = [f"{size if size is not None else len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks]
    return b"".join(head) + (b"0\r\n\r\n" if size is None else b"")


def test_an_unread_chunked_body_is_drained_and_the_connection_kept(emulator):
    connection = connect(emulator)
    first = connection.sock
    refused = send(connection, emulator, "PUT", f"{EVENT_SUBS}/hook", token=None, body=chunked(b"x" * 1000, b"y"),
                   headers={"Transfer-Encoding": "chunked"})
    assert (refused.status, refused.getheader("Connection")) == (401, None)
    assert send(connection, emulator, "GET").status == 200 and connection.sock is first


def test_an_unread_chunked_body_too_long_to_drain_closes_the_connection(emulator):
    connection = connect(emulator)
    refused = send(connection, emulator, "PUT", f"{EVENT_SUBS}/hook", token=None,
                   body=chunked(b"x" * 1000, size=64 * 1024 * 1024), headers={"Transfer-Encoding": "chunked"})
    assert (refused.status, refused.getheader("Connection")) == (401, "close")
    assert send(connection, emulator, "GET").status == 200  # on a new connection, not the body's leftovers


def test_a_drop_closes_a_kept_alive_connection_without_an_answer(emulator):
    connection = connect(emulator)
    assert send(connection, emulator, "GET").status == 200
    emulator.add_fault("drop:count=1")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        send(connection, emulator, "GET")
    assert raw(emulator, "GET", EVENT_SUBS).status_code == 200


def test_silent_clients_beyond_the_starting_pool_do_not_block_others(emulator):
    silent = [socket.create_connection(("127.0.0.1", emulator.port)) for _ in range(12)]
    try:
        assert raw(emulator, "GET", EVENT_SUBS).status_code == 200
    finally:
        for sock in silent:
            sock.close()


def _tls_socket(server) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=server.ca_cert_path)
    return context.wrap_socket(socket.create_connection(("127.0.0.1", server.port), timeout=10),
                               server_hostname="127.0.0.1")


def _read_answers(sock: ssl.SSLSocket, count: int) -> list[bytes]:
    """The status lines of ``count`` answers read off ``sock`` (their bodies skipped by Content-Length)."""
    data, lines = b"", []
    while len(lines) < count:
        head_end = data.find(b"\r\n\r\n")
        if head_end < 0:
            chunk = sock.recv(65536)
            assert chunk, "the connection closed early"
            data += chunk
            continue
        head = data[:head_end].split(b"\r\n")
        length = next(int(h.split(b":", 1)[1]) for h in head if h.lower().startswith(b"content-length:"))
        while len(data) < head_end + 4 + length:
            data += sock.recv(65536)
        lines.append(head[0])
        data = data[head_end + 4 + length:]
    return lines


def test_pipelined_requests_in_one_write_are_answered_in_order(emulator):
    # both request heads arrive in one read: the reader slices lines out of its buffer
    token = mint_token(emulator.principals["owner"], emulator.tenant_id)
    one = (f"GET {EVENT_SUBS}?api-version={API} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
           "\r\n")
    missing = f"GET {EVENT_SUBS}?api-version={API} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with _tls_socket(emulator) as sock:
        sock.sendall((one + missing + one).encode())
        assert _read_answers(sock, 3) == [b"HTTP/1.1 200 OK", b"HTTP/1.1 401 UNAUTHORIZED", b"HTTP/1.1 200 OK"]


def test_a_request_head_split_mid_line_across_writes_is_read_whole(emulator):
    token = mint_token(emulator.principals["owner"], emulator.tenant_id)
    head = (f"GET {EVENT_SUBS}?api-version={API} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            "\r\n").encode()
    with _tls_socket(emulator) as sock:
        for part in (head[:10], head[10:70], head[70:]):  # inside the request line, then inside the token
            sock.sendall(part)  # a TLS record each: the server decrypts (and its reader buffers) one at a time
        assert _read_answers(sock, 1) == [b"HTTP/1.1 200 OK"]
