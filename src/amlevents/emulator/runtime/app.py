"""The WSGI application: faults and latency, authentication, routing, authorization, the request log.

Usable without the HTTPS server (``EmulatorApp(Backend())`` is a plain WSGI callable, e.g. for werkzeug's test
client). Per ARM request, in order: injected latency and response faults (a fault answers before anything else,
as a gateway would), the bearer token (401), ``api-version`` (400 MissingApiVersionParameter), the route
(405; a path no route serves answers as ARM does: ``SubscriptionNotFound``/``ResourceGroupNotFound``, 400
``NoRegisteredProviderFound``, 404 ``InvalidResourceType``), the subscription (404), ARM's throttling when on
(``throttling.py``: 429, and the remaining count on the answer), RBAC for the route's action (403), then the
handler. Requests under ``/_emulator/`` go to the admin API (``admin.py``): no auth, no faults, not logged.
The app owns the emulator's ``Dispatcher`` (``emulator/delivery``), which ``POST /_emulator/events`` publishes to.

As a local server facing whatever runs on the machine: the body is read only after the token is accepted, and
never past ARM's 4 MB (413 RequestContentTooLarge); every refusal, even of a request the app crashes on, is ARM's
JSON error; the request log keeps redacted bodies (``core.redact``: webhook query values, secret delivery
attribute values), bodies over ``LOG_BODY_BYTES`` only as their size, and at most ``LOG_LIMIT`` entries and
``LOG_BYTES`` bytes (the oldest go first).
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable
from typing import Any

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request, Response

from amlevents.core.redact import redact_resource, redact_text
from amlevents.emulator.delivery import Dispatcher
from amlevents.emulator.eventgrid.operations import MANUAL_VALIDATION_WINDOW
from amlevents.emulator.eventgrid.subscriptions import ValidationRequest
from amlevents.emulator.identity.auth import authenticate, authenticate_caller
from amlevents.emulator.identity.endpoints import Identity, audiences, is_identity_path
from amlevents.emulator.runtime import admin, routes, wirejson
from amlevents.emulator.runtime.backend import Backend
from amlevents.emulator.runtime.errors import (
    MAX_BODY_BYTES,
    ArmError,
    invalid_resource_type,
    missing_api_version,
    no_registered_provider,
    request_too_large,
)
from amlevents.emulator.runtime.faults import FaultRule, Faults
from amlevents.emulator.runtime.handlers import PARSED_BODY, Context, Reply, query_param
from amlevents.emulator.runtime.throttling import ArmThrottle
from amlevents.emulator.runtime.timestamps import iso

log = logging.getLogger("amlevents.emulator")
LOG_LIMIT = 10_000
LOG_BYTES = 16 * 1024 * 1024  # the request log's budget, as the JSON size of its entries
LOG_BODY_BYTES = 64 * 1024  # a larger body is logged as its size ("bodyBytes") only
# An unread body up to this size is read and thrown away before answering, so the client sees the answer
# instead of a connection reset; a larger one is not worth the bandwidth (the connection closes anyway).
DRAIN_BYTES = 2 * MAX_BODY_BYTES


def fault_error(rule: FaultRule) -> ArmError:
    """The ARM error an injected response fault answers with."""
    if rule.kind == "throttle":
        return ArmError(429, "TooManyRequests",
                        "The request is being throttled as the limit has been reached for operation type - "
                        "Write_ObservationWindow_00:05:00. For more information, refer to - "
                        "https://aka.ms/armthrottling", headers={"Retry-After": str(rule.retry_after)})
    if rule.kind == "error503":
        headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else None
        return ArmError(503, "ServiceUnavailable",
                        "The service is temporarily unavailable. Please retry the request later.", headers=headers)
    return ArmError(500, "InternalServerError",
                    f"Encountered internal server error. Diagnostic information: timestamp '{iso(time.time())}', "
                    f"tracking id '{uuid.uuid4()}'.")


def _drop(environ: dict[str, Any]) -> None:
    """Abort the request with no answer: the HTTP layer (``runtime/httpserver.py``) closes the connection."""
    raise ConnectionAbortedError("connection dropped by an injected emulator fault")


def _reply(error: ArmError) -> Reply:
    return Reply(error.status, error.body(), error.headers)


class Answer:
    """An ARM answer as a WSGI application: what werkzeug's ``Response`` sends for it (its status line, the
    headers as strings, ``Content-Type``, ``Content-Length`` except where HTTP forbids a body, no body for HEAD),
    without building werkzeug's ``Headers`` for every one of thousands of answers a second."""

    __slots__ = ("body", "headers", "status_code")

    def __init__(self, status: int, headers: dict[str, Any], body: bytes, content_type: str) -> None:
        self.status_code = status
        self.headers = [(name, str(value)) for name, value in headers.items()]
        self.headers.append(("Content-Type", content_type))
        self.body = body

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        status = self.status_code
        no_body = 100 <= status < 200 or status in (204, 304)
        headers = self.headers if no_body else [*self.headers, ("Content-Length", str(len(self.body)))]
        start_response(f"{status} {HTTP_STATUS_CODES.get(status, 'UNKNOWN').upper()}", headers)
        return [] if no_body or environ.get("REQUEST_METHOD") == "HEAD" else [self.body]


def _discard_unread(request: Request, environ: dict[str, Any]) -> None:
    """Read and drop a body nobody read (a refused request's), up to ``DRAIN_BYTES``, in small chunks."""
    length = request.content_length
    if not length or length > DRAIN_BYTES or "stream" in request.__dict__:
        return  # no body, too big to bother, or already read through werkzeug's stream (which tracks its end)
    stream = environ.get("wsgi.input")
    try:
        while length > 0 and stream is not None:
            chunk = stream.read(min(length, 64 * 1024))
            if not chunk:
                break
            length -= len(chunk)
    except (OSError, ValueError):
        pass


class EmulatorApp:
    """The emulator's WSGI callable over a ``Backend``."""

    def __init__(self, backend: Backend, faults: Faults | Iterable[FaultRule | str] = (), latency_ms: int = 0,
                 delivery: Dispatcher | None = None, arm_throttling: bool = False) -> None:
        self.backend = backend
        self.throttle = ArmThrottle(arm_throttling)  # ARM's token buckets per subscription and principal (off)
        # the data plane (publish, deliver); the server starts and stops its threads
        self.delivery = delivery if delivery is not None else Dispatcher()
        self.faults = faults if isinstance(faults, Faults) else Faults(faults)
        self.latency_ms = latency_ms
        self.identity = Identity(backend.world)
        self.base_url: str | None = None  # set by the server once it listens: validation URLs point here
        backend.validator = self._validate_endpoint
        self._log: deque[tuple[dict[str, Any], int]] = deque()
        self._log_bytes = 0
        self._log_lock = threading.Lock()
        self._hosts: dict[tuple[Any, ...], tuple[str, frozenset[str]]] = {}  # see _host

    # --- the webhook handshake -------------------------------------------------------------------------------

    def _validate_endpoint(self, request: ValidationRequest) -> None:
        """Run a webhook's validation handshake in the background, as the service does while the subscription
        is Creating/Updating; its outcome settles the operation. Without running delivery threads (an app
        driven without its server) the endpoint is accepted as before."""
        if not self.delivery.running:
            self.backend.resolve_validation(request.operation_id, "Succeeded", None, None, 0.0)
            return
        threading.Thread(target=self._handshake, args=(request,), name="amlevents-handshake", daemon=True).start()

    def _handshake(self, request: ValidationRequest) -> None:
        token = secrets.token_urlsafe(24)
        url = (f"{self.base_url}/_emulator/validate?id={request.operation_id}&token={token}" if self.base_url
               else None)
        try:
            outcome = self.delivery.handshake(request.url, request.schema, request.name, request.topic, url)
            state, message = outcome.state, outcome.message
        except Exception as exc:  # noqa: BLE001 - a handshake that cannot run fails the operation, never the server
            state, message = "Failed", f"Webhook validation handshake failed: {redact_text(str(exc))}."
        window = self.delivery.clock.real(MANUAL_VALIDATION_WINDOW)
        self.backend.resolve_validation(request.operation_id, state, message, token, window)

    # --- the request log ------------------------------------------------------------------------------------

    def requests(self) -> list[dict[str, Any]]:
        """The logged ARM requests, oldest first: method, path, query, status, principal, time, and the JSON
        body of writes, redacted (``bodyBytes`` instead when it is over ``LOG_BODY_BYTES``)."""
        with self._log_lock:
            return [entry for entry, _ in self._log]

    def clear_requests(self) -> None:
        """Empty the request log."""
        with self._log_lock:
            self._log.clear()
            self._log_bytes = 0

    def info(self) -> dict[str, Any]:
        """The seeded world as clients need it (ids, principals, workspaces); the top-level subscription fields are
        the first Azure subscription's, ``subscriptions`` lists every one."""
        world = self.backend.world
        groups = list(world.resource_groups.values())
        return {
            "subscriptionId": world.subscription_id,
            "tenantId": world.tenant_id,
            "principals": {name: p.object_id for name, p in world.principals.items()},
            "clients": {name: {"clientId": p.client_id, "clientSecret": p.client_secret}
                        for name, p in world.principals.items()},
            "resourceGroup": groups[0].name if groups else None,
            "resourceGroups": [g.name for g in groups],
            "workspaces": [{"name": w.name, "resourceGroup": w.resource_group, "location": w.location, "id": w.id,
                            "subscriptionId": w.subscription_id, "tags": dict(w.tags)} for w in world.workspaces],
            "subscriptions": [{"subscriptionId": s.subscription_id, "displayName": s.display_name,
                               "resourceGroups": [g.name for g in s.resource_groups.values()]}
                              for s in world.subscriptions.values()],
        }

    # --- WSGI -----------------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = MAX_BODY_BYTES  # werkzeug then refuses to read more, chunked bodies too
        try:
            response = self._route(request, environ)
        except ConnectionError:  # an injected drop: no answer at all
            raise
        except RequestEntityTooLarge:
            response = self._response(request, _reply(request_too_large(request.content_length)))
        except Exception:  # never werkzeug's HTML 500: a bug still answers like ARM
            log.exception("unhandled error for %s %s", request.method, request.path[:200])
            response = self._response(request, _reply(ArmError(500, "InternalServerError",
                                                               "Encountered internal server error.")))
        _discard_unread(request, environ)
        return response(environ, start_response)

    def _route(self, request: Request, environ: dict[str, Any]) -> Response | Answer:
        path = routes.normalize_path(request.path)
        lowered = path.lower()
        if lowered == "/_emulator" or lowered.startswith("/_emulator/") or is_identity_path(path):
            if (request.content_length or 0) > MAX_BODY_BYTES:
                raise RequestEntityTooLarge()
            if is_identity_path(path):
                return self._sign_in(request, path)
            return admin.handle(self, request, path)
        return self._arm(request, path, environ)

    def _principal_label(self, object_id: str | None) -> str | None:
        return None if object_id is None else (self.backend.world.principal_name(object_id) or object_id)

    def _sign_in(self, request: Request, path: str) -> Response:
        """Cloud metadata, OpenID configuration and token requests: no bearer token, no faults; logged with
        ``"service": "login"`` and never with their form (it carries the client secret)."""
        entry = {**self._entry(request, path), "service": "login"}
        response = self.identity.handle(request, path, entry)
        entry["status"] = response.status_code
        self._record(entry)
        return response

    @staticmethod
    def _entry(request: Request, path: str) -> dict[str, Any]:
        """A request log entry before its answer: method, path, query, status, principal, time."""
        query = {name: redact_text(value) for name, value in request.args.items()}
        return {"method": request.method, "path": path, "query": query, "status": None,
                "principal": None, "time": iso(time.time())}

    @staticmethod
    def _read_body(request: Request, entry: dict[str, Any]) -> None:
        """Read a write's body (after authentication: an anonymous caller never makes the emulator read or keep
        anything), refusing one over 4 MB, and log it as received but redacted, so tests can check the wire JSON
        a client sent field by field without the log holding webhook keys or secret header values."""
        if request.method not in ("PUT", "PATCH", "POST") or request.content_length == 0:
            return  # (an action's POST usually has no body: Content-Length 0, nothing to read)
        if (request.content_length or 0) > MAX_BODY_BYTES:
            raise request_too_large(request.content_length)
        try:
            raw = request.get_data(cache=True)
        except RequestEntityTooLarge:  # a chunked body that went past the limit
            raise request_too_large() from None
        if not raw:
            return
        if len(raw) > LOG_BODY_BYTES:
            entry["bodyBytes"] = len(raw)
            return
        try:
            parsed = wirejson.loads(raw)
        except ValueError:
            entry["body"] = None
            return
        entry["body"] = redact_resource(parsed)  # a copy: the handler gets the body as sent (Context.json)
        request.environ[PARSED_BODY] = parsed

    def _arm(self, request: Request, path: str, environ: dict[str, Any]) -> Answer:
        entry = self._entry(request, path)
        tenant = self.backend.world.tenant_id
        decision = self.faults.decide(request.method, path)
        delay = self.latency_ms + decision.latency_ms
        if delay > 0:
            time.sleep(delay / 1000)
        try:
            if decision.fault is not None:
                try:
                    caller = authenticate(request.headers.get("Authorization"), tenant,
                                          audiences=self._host(request)[1])
                    entry["principal"] = self._principal_label(caller)
                    self._read_body(request, entry)  # logged like any write's (the fault still answers)
                except ArmError:
                    pass
                if decision.fault.kind == "drop":
                    entry["fault"] = "drop"
                    self._record(entry)
                    _drop(environ)
                entry["fault"] = decision.fault.kind
                raise fault_error(decision.fault)
            reply = self._dispatch(request, path, tenant, entry)
        except ArmError as exc:
            reply = Reply(exc.status, exc.body(), exc.headers)
        except ConnectionError:  # an injected drop: no answer at all
            raise
        except Exception:  # a bug must still answer like ARM, and show up in the log
            log.exception("unhandled error for %s %s", request.method, path)
            reply = Reply(500, ArmError(500, "InternalServerError", "Encountered internal server error.").body())
        entry["status"] = reply.status
        self._record(entry)
        return self._response(request, reply)

    def _dispatch(self, request: Request, path: str, tenant: str, entry: dict[str, Any]) -> Reply:
        host_url, accepted = self._host(request)
        caller = authenticate_caller(request.headers.get("Authorization"), tenant, audiences=accepted)
        principal = caller.object_id
        entry["principal"] = self._principal_label(principal)
        self._read_body(request, entry)
        api_version = query_param(request.args, "api-version")
        if not api_version:
            raise missing_api_version()
        try:
            route, params = routes.match(request.method, path)
        except routes.RouteNotFound:
            raise self._unrouted(path, api_version) from None
        # ARM finds the subscription before it authorizes: an unknown one is 404 for everybody.
        segments = path.split("/")
        ratelimit: dict[str, str] = {}
        if len(segments) > 2 and segments[1].lower() == "subscriptions":
            self.backend.check_subscription(segments[2])
            # ARM counts a request against its subscription's bucket before it authorizes it (429 when empty)
            ratelimit = self.throttle.take(segments[2], principal, request.method)
        try:
            if route.action is not None:
                self.backend.authorize(principal, route.action, path)
            ctx = Context(self.backend, request, principal, host_url.rstrip("/"), path, api_version,
                          lambda: self.faults.take_operation_failure(request.method, path), caller)
            reply = route.handler(ctx, **params)
        except ArmError as exc:
            exc.headers.update(ratelimit)
            raise
        reply.headers.update(ratelimit)
        return reply

    def _host(self, request: Request) -> tuple[str, frozenset[str]]:
        """werkzeug's ``host_url`` and the token audiences it makes acceptable, worked out once per (scheme,
        Host header) rather than per request (werkzeug parses and IRI-decodes the host on every access); a
        client that sends ever new Host headers empties the memo instead of growing it."""
        environ = request.environ
        key = (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SERVER_NAME"),
               environ.get("SERVER_PORT"))
        known = self._hosts.get(key)
        if known is None:
            if len(self._hosts) >= 64:
                self._hosts.clear()
            known = self._hosts[key] = (request.host_url, frozenset(audiences(request.host_url)))
        return known

    def _unrouted(self, path: str, api_version: str) -> ArmError:
        """ARM's answer for a path no route serves: its subscription and resource group must exist, then its
        provider namespace must be registered, then its type known (``routes.unrouted``)."""
        target = routes.unrouted(path)
        location = "global"
        if target.subscription is not None:
            self.backend.check_subscription(target.subscription)
            if target.resource_group is not None:
                location = self.backend.resource_group(target.subscription, target.resource_group).location
        if not target.registered:
            return no_registered_provider(target.resource_type, location, api_version)
        return invalid_resource_type(target.resource_type, target.namespace, api_version)

    def _record(self, entry: dict[str, Any]) -> None:
        size = len(json.dumps(entry, default=str))
        with self._log_lock:
            self._log.append((entry, size))
            self._log_bytes += size
            while len(self._log) > LOG_LIMIT or (self._log_bytes > LOG_BYTES and len(self._log) > 1):
                self._log_bytes -= self._log.popleft()[1]

    @staticmethod
    def _response(request: Request, reply: Reply) -> Answer:
        headers = {"x-ms-request-id": str(uuid.uuid4()), "Cache-Control": "no-cache",
                   "x-ms-correlation-request-id": request.headers.get("x-ms-correlation-request-id")
                   or str(uuid.uuid4()), **reply.headers}
        if reply.body is None:
            return Answer(reply.status, headers, b"", "text/plain; charset=utf-8")
        body = json.dumps(reply.body, separators=(",", ":")).encode()  # ASCII: json escapes the rest
        return Answer(reply.status, headers, body, "application/json; charset=utf-8")
