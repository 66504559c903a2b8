"""The admin API under ``/_emulator/``: observe and steer the emulator at run time (no auth, no faults, not logged).

====================  ======  ====================================================================
path                  method  effect
====================  ======  ====================================================================
``requests``          GET     the request log: ``[{method, path, query, status, principal, time}]``, and
                              the redacted ``body`` of writes (``bodyBytes`` over 64 KB); newest 10k / 16 MB
``requests``          DELETE  clear the log
``reset``             POST    state back to the seed, log cleared, faults cleared, throttling buckets full
``faults``            GET     ``{"seed", "rules": [...]}``
``faults``            POST    add rules: ``{"spec": "throttle:count=2"}``, ``{"specs": [...]}``, a rule object
                              (``{"kind": "error503", "rate": 0.2}``) or a list of specs/rule objects
``faults``            DELETE  remove every rule
``config``            GET     ``{"provisioningDelay": seconds, "latencyMs": ms, "timeScale": real seconds per
                              emulated second, "deadLetterDir", "spoolDir", "functionRoutes",
                              "validateEndpoints", "allowHttpLoopback", "armThrottling",
                              "resourceGraphQuota"}`` (URLs redacted)
``config``            PUT     change ``provisioningDelay``, ``latencyMs``, ``timeScale``, ``validateEndpoints``
                              (``loopback``/``all``/``none``: which webhooks get a real handshake) or
                              ``allowHttpLoopback`` (true: accept ``http://`` loopback webhooks, unlike Azure),
                              ``armThrottling`` (true/false or ``{"enabled", "reads"|"writes"|"deletes":
                              {"burst", "perSecond"}}``: ``runtime/throttling.py``) or ``resourceGraphQuota``
                              (``{"enforced", "queries", "windowSeconds"}``: ``resourcegraph/quota.py``)
``validate``          GET     a webhook's ``validationUrl`` (``?id=OPERATION&token=...``): completes a manual
                              validation within its window (200), else 404
``info``              GET     subscription, tenant, principals and workspaces of the seeded world
``events``            POST    publish Azure ML events on a workspace and deliver them (below): 200 with
                              ``{"publishId", "workspace", "events": [ids], "deliveries": [records]}``
``deliveries``        GET     the delivery log (``emulator/delivery/log.py``), oldest first; ``?publish=ID``
                              keeps one publish's records; ``?wait=SECONDS`` first waits (at most
                              ``MAX_WAIT``) until none of them is pending or retrying
``deliveries``        DELETE  clear the delivery log
====================  ======  ====================================================================

``POST /_emulator/events`` takes ``{"workspace": "<name or ARM id>", "resourceGroup"?: ..., "events": [Event Grid
events]}``, or builds one event from the catalog's samples: ``{"workspace", "type": "ModelRegistered", "set":
["data.modelName=churn", ...] or {"data.modelName": "churn"}, "casing": "live"|"documented"}`` (``live`` by
default: the keys live events carry); ``set`` applies to given events too. The body may be at most 1 MB (Event
Grid's limit per publish; 1 MB per event); beyond, or for bad events, 400 in ARM's error format.
"""

from __future__ import annotations

import json
import math
from typing import Any, Protocol

from werkzeug.wrappers import Request, Response

from amlevents.core.errors import InvalidInputError
from amlevents.core.redact import redact_url
from amlevents.emulator.delivery import Dispatcher
from amlevents.emulator.runtime import wirejson
from amlevents.emulator.runtime.backend import Backend
from amlevents.emulator.runtime.errors import ArmError
from amlevents.emulator.runtime.faults import FaultRule, Faults
from amlevents.emulator.runtime.throttling import ArmThrottle


class Steerable(Protocol):
    """What the admin API reads and steers: the app serving it (``app.EmulatorApp``), named by this protocol
    rather than imported, so that app -> admin is the only edge between the two modules."""

    backend: Backend
    faults: Faults
    latency_ms: int
    delivery: Dispatcher
    throttle: ArmThrottle

    def requests(self) -> list[dict[str, Any]]: ...

    def clear_requests(self) -> None: ...

    def info(self) -> dict[str, Any]: ...


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")


def _error(status: int, message: str) -> Response:
    return _json(ArmError(status, "InvalidRequest" if status == 400 else "NotFound", message).body(), status)


def _body(request: Request) -> Any:
    raw = request.get_data()
    if not raw.strip():
        return None
    try:
        return wirejson.loads(raw)
    except ValueError as exc:
        raise InvalidInputError(f"the request body is not valid JSON: {exc}") from None


def _add_faults(app: Steerable, body: Any) -> None:
    items = body if isinstance(body, list) else [body]
    for item in items:
        if isinstance(item, str):
            app.faults.add(item)
        elif isinstance(item, dict) and ("spec" in item or "specs" in item):
            app.faults.add(*([item["spec"]] if "spec" in item else item["specs"]))
        elif isinstance(item, dict):
            app.faults.add(FaultRule.from_dict(item))
        else:
            raise InvalidInputError("a fault is a spec string or a rule object")


MAX_PUBLISH_BYTES = 1024 * 1024
VALIDATE_MODES = ("loopback", "all", "none")  # which webhooks get a real validation handshake
MAX_WAIT = 300.0  # seconds a GET /deliveries?wait= may hold its connection


def _config(app: Steerable) -> dict[str, Any]:
    d = app.delivery
    return {"provisioningDelay": app.backend.provisioning_delay, "latencyMs": app.latency_ms,
            "timeScale": d.clock.scale, "deadLetterDir": str(d.dead_letter_dir) if d.dead_letter_dir else None,
            "spoolDir": str(d.spool_dir) if d.spool_dir else None,
            "functionRoutes": {k: redact_url(v) for k, v in d.function_routes.items()},  # a URL may hold a key
            "validateEndpoints": app.backend.validate_endpoints, "allowHttpLoopback": app.backend.allow_http_loopback,
            "armThrottling": app.throttle.to_dict(), "resourceGraphQuota": app.backend.graph_quota.to_dict()}


def _set_config(app: Steerable, body: Any) -> None:
    if not isinstance(body, dict):
        raise InvalidInputError("config must be a JSON object")
    unknown = sorted(set(body) - {"provisioningDelay", "latencyMs", "timeScale", "validateEndpoints",
                                  "allowHttpLoopback", "armThrottling", "resourceGraphQuota"})
    if unknown:
        raise InvalidInputError(f"unknown config field(s): {', '.join(unknown)}")
    body = dict(body)
    if "armThrottling" in body:
        app.throttle.configure(body.pop("armThrottling"))
    if "resourceGraphQuota" in body:
        _set_graph_quota(app, body.pop("resourceGraphQuota"))
    if "validateEndpoints" in body:
        mode = body.pop("validateEndpoints")
        if mode not in VALIDATE_MODES:
            raise InvalidInputError(f"validateEndpoints must be one of {', '.join(VALIDATE_MODES)}")
        app.backend.validate_endpoints = mode
    if "allowHttpLoopback" in body:
        allow = body.pop("allowHttpLoopback")
        if not isinstance(allow, bool):
            raise InvalidInputError("allowHttpLoopback must be true or false")
        app.backend.allow_http_loopback = allow
    for key, value in body.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise InvalidInputError(f"{key} must be a number of 0 or more")
    if body.get("timeScale") == 0:
        raise InvalidInputError("timeScale must be a number above 0")
    if "provisioningDelay" in body:
        app.backend.provisioning_delay = float(body["provisioningDelay"])
    if "latencyMs" in body:
        app.latency_ms = int(body["latencyMs"])
    if "timeScale" in body:
        app.delivery.clock.scale = float(body["timeScale"])


def _set_graph_quota(app: Steerable, value: Any) -> None:
    """``resourceGraphQuota``: ``{"enforced"?: bool, "queries"?: n, "windowSeconds"?: s}`` (counts start over)."""
    if not isinstance(value, dict) or set(value) - {"enforced", "queries", "windowSeconds"}:
        raise InvalidInputError("resourceGraphQuota must be an object with enforced, queries and windowSeconds")
    enforced, queries, window = value.get("enforced"), value.get("queries"), value.get("windowSeconds")
    if enforced is not None and not isinstance(enforced, bool):
        raise InvalidInputError("resourceGraphQuota.enforced must be true or false")
    if queries is not None and (isinstance(queries, bool) or not isinstance(queries, int) or queries < 1):
        raise InvalidInputError("resourceGraphQuota.queries must be an integer of 1 or more")
    if window is not None and (isinstance(window, bool) or not isinstance(window, (int, float)) or window <= 0):
        raise InvalidInputError("resourceGraphQuota.windowSeconds must be a number above 0")
    app.backend.graph_quota.configure(enforced, queries, None if window is None else float(window))


def _sample(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of a publish body: given, or one built from the catalog's sample of ``type``; ``set`` applied."""
    from amlevents.core.samples import apply_overrides, sample_event

    assignments = body.get("set") or []
    if isinstance(assignments, dict):
        assignments = [f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in assignments.items()]
    if not isinstance(assignments, list) or not all(isinstance(a, str) for a in assignments):
        raise InvalidInputError("'set' must be a list of KEY=VALUE strings or an object")
    if body.get("events") is not None:
        events = body["events"] if isinstance(body["events"], list) else [body["events"]]
    elif isinstance(body.get("type"), str):
        events = [sample_event(body["type"], casing=str(body.get("casing") or "live"))]
    else:
        raise InvalidInputError("give 'events' (Event Grid events) or 'type' (an Azure ML event type)")
    if assignments:
        if not all(isinstance(e, dict) for e in events):
            raise InvalidInputError("every event must be a JSON object")
        events = [apply_overrides(e, assignments) for e in events]
    return events


def _publish(app: Steerable, request: Request) -> dict[str, Any]:
    if (request.content_length or 0) > MAX_PUBLISH_BYTES or len(request.get_data()) > MAX_PUBLISH_BYTES:
        raise InvalidInputError("the publish body is over 1 MB, Event Grid's limit per publish")
    body = _body(request)
    if not isinstance(body, dict):
        raise InvalidInputError("the body must be a JSON object with 'workspace' and 'events' or 'type'")
    group = body.get("resourceGroup")
    return app.delivery.publish(app.backend, body.get("workspace"), _sample(body),
                                group if isinstance(group, str) else None)


def _deliveries(app: Steerable, request: Request) -> list[dict[str, Any]]:
    publish_id = request.args.get("publish") or None
    wait = request.args.get("wait")
    if wait:
        try:
            seconds = float(wait)
        except ValueError:
            seconds = math.nan
        if not math.isfinite(seconds):
            raise InvalidInputError(f"wait must be a number of seconds, got '{wait[:40]}'")
        app.delivery.log.wait_settled(min(max(seconds, 0.0), MAX_WAIT), publish_id)
    return app.delivery.log.records(publish_id)


def handle(app: Steerable, request: Request, path: str) -> Response:
    """Answer one admin request."""
    name, method = path.lower().removeprefix("/_emulator").strip("/"), request.method
    try:
        if name == "requests" and method == "GET":
            return _json(app.requests())
        if name == "requests" and method == "DELETE":
            app.clear_requests()
            return Response(status=204)
        if name == "reset" and method == "POST":
            app.backend.reset()
            app.clear_requests()
            app.faults.clear()
            app.throttle.reset()
            app.delivery.reset()
            return _json({"reset": True})
        if name == "faults" and method == "GET":
            return _json(app.faults.to_dict())
        if name == "faults" and method == "POST":
            _add_faults(app, _body(request))
            return _json(app.faults.to_dict())
        if name == "faults" and method == "DELETE":
            app.faults.clear()
            return Response(status=204)
        if name == "config" and method == "GET":
            return _json(_config(app))
        if name == "config" and method in ("PUT", "PATCH", "POST"):
            _set_config(app, _body(request))
            return _json(_config(app))
        if name == "validate" and method == "GET":  # a webhook's validationUrl (manual validation)
            if app.backend.validate_manually(request.args.get("id", ""), request.args.get("token", "")):
                return Response("Webhook successfully validated as a subscription endpoint.", status=200,
                                content_type="text/plain; charset=utf-8")
            return _error(404, "no event subscription awaits validation with this id and token (it may have "
                               "validated already, or its 10-minute window has passed)")
        if name == "info" and method == "GET":
            return _json(app.info())
        if name == "events" and method == "POST":
            return _json(_publish(app, request))
        if name == "deliveries" and method == "GET":
            return _json(_deliveries(app, request))
        if name == "deliveries" and method == "DELETE":
            app.delivery.log.clear()
            return Response(status=204)
    except (InvalidInputError, TypeError) as exc:
        return _error(400, str(exc) + (f" {exc.hint}" if getattr(exc, "hint", None) else ""))
    return _error(404, f"no admin endpoint {method} {path}")
