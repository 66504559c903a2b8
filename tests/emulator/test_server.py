"""The HTTPS server: TLS from a local CA, 127.0.0.1 only, start/stop, ready info, the bare WSGI app."""

from __future__ import annotations

import ipaddress
import json
import os
import socket

import pytest
import requests
from cryptography import x509
from emulator_support import EVENT_SUBS, raw
from werkzeug.test import Client

from amlevents.emulator.identity.auth import mint_token
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
