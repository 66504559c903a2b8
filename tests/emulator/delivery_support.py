"""A test receiver for deliveries (a real HTTPS handler on 127.0.0.1 with a certificate of the emulator's CA),
and helpers to create subscriptions and publish through the admin API."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from emulator_support import EVENT_SUBS, raw, webhook_body

from amlevents.emulator.runtime.httpserver import Server
from amlevents.emulator.runtime.tls import ensure_certificates, server_context

WAIT = 20.0  # generous deadline of every wait on a condition
FAST = 0.001  # real seconds per emulated second: the 10 s first retry takes 10 ms


def compressed(emulator: Any) -> Iterator[Any]:
    """Fixture body: the session emulator with its delivery clock compressed and empty delivery folders; restored
    afterwards."""
    for folder in (emulator.delivery.spool_dir, emulator.delivery.dead_letter_dir):
        shutil.rmtree(folder, ignore_errors=True)
    emulator.delivery.clock.scale = FAST
    yield emulator
    emulator.delivery.clock.scale = 1.0
    emulator.delivery.function_routes.clear()
    emulator.delivery.reset()


def receivers(fast: Any) -> Iterator[Callable[..., Receiver]]:
    """Fixture body: a factory receiver(statuses=[...], behave=...) -> a started ``Receiver``, closed at
    teardown."""
    made: list[Receiver] = []

    def make(**kwargs: Any) -> Receiver:
        made.append(Receiver(fast, **kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


@dataclass
class Received:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A programmable HTTPS handler: answers ``statuses`` in turn (the last one repeats), or what ``behave`` says."""

    emulator: Any
    statuses: list[int] = field(default_factory=lambda: [200])
    behave: str = "normal"  # normal | hang | huge | redirect | echo (the validation code) | consent (OPTIONS)
    received: list[Received] = field(default_factory=list)  # deliveries (handshakes answered apart, counted)
    validates: bool = True  # answers the validation handshake (as a working handler does) apart from deliveries
    handshakes: int = 0

    def __post_init__(self) -> None:
        self._changed = threading.Condition()
        self._release = threading.Event()
        certs = ensure_certificates(Path(self.emulator.ca_cert_path).parent)
        self._server = Server("127.0.0.1", 0, self._app, server_context(certs))
        self._server.prepare()
        self._thread = threading.Thread(target=self._server.serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._server.port}/api/events"

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        if self.validates:  # a handler that validates, whatever it then does with events
            answer = _handshake_answer(environ["REQUEST_METHOD"], headers, body)
            if answer is not None:
                self.handshakes += 1
                start_response("200 OK", [*answer[0], ("Content-Length", str(len(answer[1])))])
                return [answer[1]]
        with self._changed:
            self.received.append(Received(environ["REQUEST_METHOD"], environ["PATH_INFO"], headers, body))
            status = self.statuses[min(len(self.received), len(self.statuses)) - 1]
            self._changed.notify_all()
        if self.behave == "hang":
            self._release.wait(WAIT)
        if self.behave == "redirect":
            start_response("302 Found", [("Location", "https://127.0.0.1:1/elsewhere"), ("Content-Length", "0")])
            return [b""]
        if self.behave == "echo" and body:
            reply = json.dumps({"validationResponse": json.loads(body)[0]["data"]["validationCode"]}).encode()
            start_response(f"{status} Status", [("Content-Type", "application/json"),
                                                ("Content-Length", str(len(reply)))])
            return [reply]
        if self.behave == "consent":
            start_response(f"{status} Status", [("WebHook-Allowed-Origin", headers.get("webhook-request-origin", "")),
                                                ("Content-Length", "0")])
            return [b""]
        if self.behave == "huge":
            start_response("200 OK", [("Content-Type", "application/octet-stream")])
            return (b"x" * (1024 * 1024) for _ in range(10))
        start_response(f"{status} Status", [("Content-Type", "application/json"), ("Content-Length", "2")])
        return [b"{}"]

    def wait_for(self, count: int) -> list[Received]:
        """The first ``count`` requests, once they arrived (fails after ``WAIT`` seconds)."""
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.received) >= count, timeout=WAIT), self.received
            return list(self.received[:count])

    def close(self) -> None:
        self._release.set()
        self._server.stop()


class GarbageServer:
    """Accepts TLS connections and answers bytes that are not HTTP."""

    def __init__(self, emulator: Any) -> None:
        certs = ensure_certificates(Path(emulator.ca_cert_path).parent)
        self._context = server_context(certs)
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._sock.getsockname()[1]}/hook"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            try:
                conn.settimeout(5)
                with self._context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(65536)
                    tls.sendall(b"\x00\x01 this is not HTTP at all\r\n\r\n")
            except (OSError, ssl.SSLError):
                pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()


def _handshake_answer(method: str, headers: dict[str, str], body: bytes) -> tuple[list[Any], bytes] | None:
    """What a handler that validates answers to a handshake request (None for a delivery)."""
    if method == "OPTIONS":
        return [("WebHook-Allowed-Origin", headers.get("webhook-request-origin", ""))], b""
    if headers.get("aeg-event-type") == "SubscriptionValidation":
        code = json.loads(body)[0]["data"]["validationCode"]
        return [("Content-Type", "application/json")], json.dumps({"validationResponse": code}).encode()
    return None


def subscribe(emulator: Any, name: str, url: str, *, validate: bool = True, **properties: Any) -> None:
    """Create a webhook subscription on the seeded workspace (raw PUT) and wait until it is provisioned
    (Succeeded). ``validate=False`` creates it without the handshake (an endpoint that breaks later)."""
    body = webhook_body(url, **properties.pop("raw_properties", {}))
    body["properties"]["destination"]["properties"].update(properties.pop("destination", {}))
    body["properties"].update(properties)
    if not validate:
        emulator.backend.validate_endpoints = "none"
    try:
        answer = raw(emulator, "PUT", f"{EVENT_SUBS}/{name}", body=body)
    finally:
        emulator.backend.validate_endpoints = "loopback"
    assert answer.status_code in (200, 201), answer.text
    assert provisioned(emulator, name) == "Succeeded"


def provisioned(emulator: Any, name: str) -> str:
    """The subscription's provisioningState once no operation runs on it (fails after ``WAIT`` seconds)."""
    deadline = time.monotonic() + WAIT
    while True:
        state = raw(emulator, "GET", f"{EVENT_SUBS}/{name}").json()["properties"]["provisioningState"]
        if state not in ("Creating", "Updating") or time.monotonic() > deadline:
            return state
        time.sleep(0.01)


def subscribe_to(emulator: Any, name: str, destination: dict[str, Any], **properties: Any) -> None:
    """Create a subscription with any destination (raw PUT)."""
    answer = raw(emulator, "PUT", f"{EVENT_SUBS}/{name}", body={"properties": {"destination": destination,
                                                                                **properties}})
    assert answer.status_code in (200, 201), answer.text


def publish(emulator: Any, **body: Any) -> requests.Response:
    """``POST /_emulator/events``."""
    body.setdefault("workspace", "local-workspace")
    return requests.post(f"{emulator.url}/_emulator/events", json=body, verify=emulator.ca_cert_path, timeout=30)


def settled(emulator: Any, publish_id: str) -> list[dict[str, Any]]:
    """The publish's delivery records once nothing is in flight."""
    answer = requests.get(f"{emulator.url}/_emulator/deliveries", params={"publish": publish_id, "wait": WAIT},
                          verify=emulator.ca_cert_path, timeout=WAIT + 10)
    assert answer.status_code == 200, answer.text
    records = answer.json()
    assert all(r["outcome"] not in ("pending", "retrying") for r in records), records
    return records
