"""The admin API under ``/_emulator/``: observe and steer the emulator at run time (no auth, no faults, not logged).

====================  ======  ====================================================================
path                  method  effect
====================  ======  ====================================================================
``requests``          GET     the request log: ``[{method, path, query, status, principal, time}]``, and
                              the redacted ``body`` of writes (``bodyBytes`` over 64 KB); newest 10k / 16 MB
``requests``          DELETE  clear the log
``reset``             POST    state back to the seed, log cleared, faults cleared
``faults``            GET     ``{"seed", "rules": [...]}``
``faults``            POST    add rules: ``{"spec": "throttle:count=2"}``, ``{"specs": [...]}``, a rule object
                              (``{"kind": "error503", "rate": 0.2}``) or a list of specs/rule objects
``faults``            DELETE  remove every rule
``config``            GET     ``{"provisioningDelay": seconds, "latencyMs": ms}``
``config``            PUT     change either value
``info``              GET     subscription, tenant, principals and workspaces of the seeded world
====================  ======  ====================================================================
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from werkzeug.wrappers import Request, Response

from amlevents.core.errors import InvalidInputError
from amlevents.emulator.runtime import wirejson
from amlevents.emulator.runtime.backend import Backend
from amlevents.emulator.runtime.errors import ArmError
from amlevents.emulator.runtime.faults import FaultRule, Faults


class Steerable(Protocol):
    """What the admin API reads and steers: the app serving it (``app.EmulatorApp``), named by this protocol
    rather than imported, so that app -> admin is the only edge between the two modules."""

    backend: Backend
    faults: Faults
    latency_ms: int

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


def _config(app: Steerable) -> dict[str, Any]:
    return {"provisioningDelay": app.backend.provisioning_delay, "latencyMs": app.latency_ms}


def _set_config(app: Steerable, body: Any) -> None:
    if not isinstance(body, dict):
        raise InvalidInputError("config must be a JSON object")
    unknown = sorted(set(body) - {"provisioningDelay", "latencyMs"})
    if unknown:
        raise InvalidInputError(f"unknown config field(s): {', '.join(unknown)}")
    for key, value in body.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise InvalidInputError(f"{key} must be a number of 0 or more")
    if "provisioningDelay" in body:
        app.backend.provisioning_delay = float(body["provisioningDelay"])
    if "latencyMs" in body:
        app.latency_ms = int(body["latencyMs"])


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
        if name == "info" and method == "GET":
            return _json(app.info())
    except (InvalidInputError, TypeError) as exc:
        return _error(400, str(exc))
    return _error(404, f"no admin endpoint {method} {path}")
