"""The emulator's per-request work at fleet size (issue 15): an answer in one write, RBAC by the caller's own
assignments."""

from __future__ import annotations

import json
import socket
import ssl
from urllib.parse import urlsplit

import pytest


def _one_read(server, request: bytes) -> bytes:
    """What one TLS read returns after sending ``request`` (OpenSSL hands over one record per read)."""
    url = urlsplit(server.url)
    context = ssl.create_default_context(cafile=server.ca_cert_path)
    with socket.create_connection((url.hostname, url.port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname=url.hostname) as tls:
        tls.sendall(request)
        return tls.recv(65536)


@pytest.mark.parametrize("path", ["/subscriptions?api-version=2022-12-01", "/_emulator/info"])
def test_an_answer_and_its_body_arrive_in_one_record(emulator, path):
    got = _one_read(emulator, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    head, _, body = got.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    assert body and len(body) == length
    json.loads(body)


def test_an_answer_without_a_body_is_still_sent(emulator):
    got = _one_read(emulator, b"OPTIONS /_emulator/requests HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert got.startswith(b"HTTP/1.1 ")


@pytest.mark.parametrize(("principal", "scope", "allowed"), [
    ("owner", "/subscriptions/{sub}/resourceGroups/amlevents-local", True),
    ("reader", "/subscriptions/{sub}/resourceGroups/amlevents-local", False),
    ("owner", "/subscriptions/00000000-0000-0000-0000-00000000dead", False),
    ("nobody", "/subscriptions/{sub}", False),
])
def test_authorization_reads_only_the_callers_assignments_and_still_decides_the_same(emulator, principal, scope,
                                                                                     allowed):
    backend = emulator.backend
    oid = backend.world.principals[principal].object_id
    action = "Microsoft.EventGrid/eventSubscriptions/write"
    target = scope.format(sub=emulator.subscription_id)
    assert backend.allowed(oid, action, target) is allowed
    from amlevents.emulator.authorization import rbac

    everyone = rbac.effective_permissions(backend.world.role_assignments, backend.world.role_definitions, oid, target)
    assert backend._permissions(oid, target) == everyone
