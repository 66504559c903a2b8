"""The ``resources`` query of Resource Graph over the seeded workspaces: scope, access, query, paging, the answer.

``POST /providers/Microsoft.ResourceGraph/resources`` takes ``{"query", "subscriptions"?: [...],
"managementGroups"?: [...], "options"?: {"$top", "$skip", "$skipToken", "resultFormat"}}``:

- scope: the listed subscriptions, or every subscription of the tenant's root management group (its name is the
  tenant id: the emulator has no other management group), or, with neither, every subscription of the tenant;
  in each, only the workspaces the caller may read (``workspaces/read`` at the workspace or above), as Resource
  Graph answers only what the caller can read. At tenant or management-group scope a caller with more than 10,000
  subscriptions gets the first 10,000 and ``x-ms-tenant-subscription-limit-hit: true``.
- rows: a workspace as Resource Graph holds it (``type``, ``location`` and ``resourceGroup`` in lower case, as
  Resource Graph normalizes them), filtered and projected by the query (``query.py``), in id order.
- paging: ``$top`` (1-1000, default 100) rows after ``$skip`` rows or after the ``$skipToken`` of the previous page
  (keyset on the id, bound to the query text); ``totalRecords`` counts every matching row, ``count`` this page's,
  and ``$skipToken`` is there only when rows remain. ``resultFormat`` must be ``objectArray`` (the default).

Refusals are Resource Graph's own error shape (400 ``BadRequest`` with ``InvalidQuery`` and the failure's detail).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from amlevents.emulator.resourcegraph.query import WORKSPACE_TYPE, QueryError, parse
from amlevents.emulator.runtime import workspaces
from amlevents.emulator.runtime.errors import ArmError

if TYPE_CHECKING:
    from amlevents.emulator.runtime.backend import Backend
    from amlevents.emulator.runtime.seed import Workspace

READ = "Microsoft.MachineLearningServices/workspaces/read"
DEFAULT_TOP, MAX_TOP = 100, 1000
SUBSCRIPTION_LIMIT = 10_000
INVALID_QUERY = ("Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix "
                 "the error before retrying.")


def support_message() -> str:
    """The top-level message of Resource Graph's errors: a timestamp and a correlation id."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
    return f"Please provide below info when asking for support: timestamp = {stamp}, correlationId = {uuid.uuid4()}."


def bad_request(detail: dict[str, Any], invalid_query: bool = True) -> ArmError:
    """Resource Graph's 400: ``BadRequest`` with its details (``InvalidQuery`` first for a query it refuses)."""
    details = ([{"code": "InvalidQuery", "message": INVALID_QUERY}] if invalid_query else []) + [detail]
    return ArmError(400, "BadRequest", support_message(), details)


def _option_error(message: str) -> ArmError:
    return bad_request({"code": "InvalidRequestOptions", "message": message}, invalid_query=False)


def _strings(body: dict[str, Any], key: str) -> list[str] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _option_error(f"'{key}' must be a list of strings.")
    return value


def _int_option(options: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _option_error(f"The option '{key}' must be an integer between {low} and {high}.")
    return value


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _token(after: str, text: str) -> str:
    raw = json.dumps({"after": after, "query": _fingerprint(text)}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _after(token: str, text: str) -> str:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        after, query = data["after"], data["query"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise _option_error("The $skipToken is invalid.") from None
    if query != _fingerprint(text):
        raise _option_error("The $skipToken belongs to another query.")
    return str(after)


def _scope(backend: Backend, principal: str, body: dict[str, Any]) -> tuple[list[str], bool]:
    """The subscription ids to search (readable by the caller), and whether the 10,000 limit cut them."""
    subscriptions, groups = _strings(body, "subscriptions"), _strings(body, "managementGroups")
    if subscriptions is not None and groups is not None:
        raise _option_error("Give either 'subscriptions' or 'managementGroups', not both.")
    readable = backend.readable_subscriptions(principal)
    if subscriptions is not None:
        wanted = {s.lower() for s in subscriptions}
        return [s for s in readable if s.lower() in wanted], False
    tenant = backend.world.tenant_id.lower()
    for group in groups or []:
        if group.lower() != tenant:
            raise bad_request({"code": "ManagementGroupNotFound",
                               "message": f"The management group '{group}' was not found. The emulator has one "
                                          f"management group, the tenant root group '{backend.world.tenant_id}'."},
                              invalid_query=False)
    return readable[:SUBSCRIPTION_LIMIT], len(readable) > SUBSCRIPTION_LIMIT


def _row(ws: Workspace, tenant: str) -> dict[str, Any]:
    """The columns a query filters on (the rest are added for the rows it returns)."""
    return {"id": ws.id, "name": ws.name, "type": WORKSPACE_TYPE, "tenantId": tenant, "kind": "Default",
            "location": ws.location.replace(" ", "").lower(), "resourceGroup": ws.resource_group.lower(),
            "subscriptionId": ws.subscription_id, "tags": dict(ws.tags), "_ws": ws}


def _full(backend: Backend, row: dict[str, Any]) -> dict[str, Any]:
    view = workspaces.workspace(row["_ws"], backend.world)
    full = {k: v for k, v in row.items() if k != "_ws"}
    full.update({"managedBy": "", "sku": view["sku"], "plan": None, "properties": view["properties"],
                 "identity": view["identity"], "zones": None, "extendedLocation": None})
    return full


def _visible(backend: Backend, principal: str, subscriptions: list[str]) -> list[Workspace]:
    """The workspaces of ``subscriptions`` the caller may read: all of a subscription where it may read them at the
    subscription, else those it may read one by one (a role on a resource group or workspace)."""
    wanted = {s.lower() for s in subscriptions}
    whole = {s for s in wanted if backend.allowed(principal, READ, f"/subscriptions/{s}")}
    return [w for w in backend.world.workspaces if w.subscription_id.lower() in wanted
            and (w.subscription_id.lower() in whole or backend.allowed(principal, READ, w.id))]


def query_resources(backend: Backend, principal: str, body: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Answer one ``resources`` request: (the body, extra headers). Raises ``ArmError`` in Resource Graph's shape."""
    if not isinstance(body, dict):
        raise _option_error("The request body must be a JSON object with 'query'.")
    text = body.get("query")
    try:
        query = parse(text)
    except QueryError as exc:
        raise bad_request({"code": exc.code, "message": str(exc), "line": 1,
                           "characterPositionInLine": exc.position, "token": exc.token}) from None
    options = body.get("options") or {}
    if not isinstance(options, dict):
        raise _option_error("'options' must be a JSON object.")
    if str(options.get("resultFormat") or "objectArray").lower() != "objectarray":
        raise _option_error("The emulator answers resultFormat 'objectArray' only.")
    top = _int_option(options, "$top", DEFAULT_TOP, 1, MAX_TOP)
    skip = _int_option(options, "$skip", 0, 0, 10**9)
    subscriptions, cut = _scope(backend, principal, body)
    tenant = backend.world.tenant_id
    rows = sorted((r for r in (_row(w, tenant) for w in _visible(backend, principal, subscriptions))
                   if query.matches(r)), key=lambda r: r["id"].lower())
    if options.get("$skipToken"):
        after = _after(str(options["$skipToken"]), text)
        start = next((i for i, r in enumerate(rows) if r["id"].lower() > after), len(rows))
    else:
        start = skip
    chunk = rows[start:start + top]
    answer: dict[str, Any] = {"totalRecords": len(rows), "count": len(chunk), "resultTruncated": "false",
                              "facets": [], "data": [query.project(_full(backend, r)) for r in chunk]}
    if start + top < len(rows):
        answer["$skipToken"] = _token(chunk[-1]["id"].lower(), text)
    return answer, ({"x-ms-tenant-subscription-limit-hit": "true"} if cut else {})
