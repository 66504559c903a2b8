"""Request handlers: parse the request, call one backend method, serialise the answer.

Each handler takes a ``Context`` and the route's named groups and returns a ``Reply`` (status, JSON body,
headers). LRO headers, ``nextLink`` and ``$filter``/``$top`` live here because they are about URLs; the rules
are in the backend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from werkzeug.wrappers import Request

from amlevents.emulator import paging, wirejson
from amlevents.emulator.backend import Backend
from amlevents.emulator.errors import ArmError, invalid_content
from amlevents.emulator.odata import ODataError, compile_filter, role_assignment_filter
from amlevents.emulator.subscriptions import ParentRef


def query_param(args: Mapping[str, str], name: str) -> str | None:
    """A query parameter by name, ignoring case (ARM does); None when absent."""
    wanted = name.lower()
    return next((v for k, v in args.items() if k.lower() == wanted), None)


@dataclass
class Reply:
    """An HTTP answer: status, JSON body (None: empty) and headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Context:
    """What a handler needs to know about the request beyond its path parameters."""

    backend: Backend
    request: Request
    principal_id: str
    base_url: str
    path: str
    api_version: str
    fail_operation: Callable[[], bool]

    def query(self, name: str) -> str | None:
        """A query parameter by name, ignoring case (ARM does)."""
        return query_param(self.request.args, name)

    def url(self, path: str | None = None) -> str:
        """The absolute URL of ``path`` (default: this request's path) with this request's ``api-version``."""
        return f"{self.base_url}{self.path if path is None else path}?api-version={quote(self.api_version)}"

    def json(self) -> Any:
        """The JSON request body; 400 InvalidRequestContent when it does not parse."""
        raw = self.request.get_data(cache=True)
        if not raw.strip():
            return None
        try:
            return wirejson.loads(raw)
        except ValueError as exc:
            raise invalid_content(str(exc)) from None


def _operation_headers(ctx: Context, op: dict[str, Any], with_location: bool = False) -> dict[str, str]:
    base = (f"/subscriptions/{ctx.backend.world.subscription_id}/providers/Microsoft.EventGrid/"
            f"locations/{quote(op['location'])}")
    headers = {"Azure-AsyncOperation": ctx.url(f"{base}/operationsStatus/{op['id'].upper()}")}
    if with_location:
        headers["Location"] = ctx.url(f"{base}/operationResults/{op['id'].upper()}")
    return headers


@contextmanager
def _odata_errors() -> Iterator[None]:
    """Turn a ``$filter`` the parser refuses into ARM's 400 InvalidRequest."""
    try:
        yield
    except ODataError as exc:
        raise exc.to_arm() from None


def _paged(ctx: Context, items: list[dict[str, Any]]) -> Reply:
    top = paging.parse_top(ctx.query("$top"))
    text = ctx.query("$filter")
    if text:
        with _odata_errors():
            keep = compile_filter(text, ("name",))
        items = [i for i in items if keep({"name": i["name"]})]
    chunk, token = paging.page(items, top, ctx.query("$skipToken"))
    body: dict[str, Any] = {"value": chunk}
    if token:
        body["nextLink"] = paging.next_link(
            ctx.base_url, ctx.path,
            {"api-version": ctx.api_version, "$filter": text or None, "$top": str(top), "$skipToken": token})
    return Reply(200, body)


def _ref(params: dict[str, str]) -> ParentRef:
    if "topic" in params:
        return ParentRef(params["sub"], params["rg"], system_topic=params["topic"])
    return ParentRef(params["sub"], params["rg"], None, params["ns"], params["rtype"], params["rname"])


# --- event subscriptions (workspace scope and system topic) -------------------------------------------------

def get_event_subscription(ctx: Context, name: str, **parent: str) -> Reply:
    """GET one event subscription: 200."""
    return Reply(200, ctx.backend.get_event_subscription(_ref(parent), name))


def put_event_subscription(ctx: Context, name: str, **parent: str) -> Reply:
    """PUT (create or replace): 201 + Azure-AsyncOperation, Creating/Updating."""
    view, op = ctx.backend.put_event_subscription(_ref(parent), name, ctx.json(), ctx.principal_id,
                                                  ctx.fail_operation)
    return Reply(201, view, _operation_headers(ctx, op))


def patch_event_subscription(ctx: Context, name: str, **parent: str) -> Reply:
    """PATCH (merge top-level fields): 201 + Azure-AsyncOperation, Updating."""
    view, op = ctx.backend.update_event_subscription(_ref(parent), name, ctx.json() or {}, ctx.principal_id,
                                                     ctx.fail_operation)
    return Reply(201, view, _operation_headers(ctx, op))


def delete_event_subscription(ctx: Context, name: str, **parent: str) -> Reply:
    """DELETE: 202 + Location + Azure-AsyncOperation, or 204 when it does not exist."""
    op = ctx.backend.delete_event_subscription(_ref(parent), name, ctx.fail_operation)
    return Reply(204) if op is None else Reply(202, None, _operation_headers(ctx, op, with_location=True))


def get_full_url(ctx: Context, name: str, **parent: str) -> Reply:
    """POST getFullUrl: the webhook URL with its query string."""
    return Reply(200, {"endpointUrl": ctx.backend.full_url(_ref(parent), name)})


def get_delivery_attributes(ctx: Context, name: str, **parent: str) -> Reply:
    """POST getDeliveryAttributes: the mappings with their secret values."""
    return Reply(200, {"value": ctx.backend.delivery_attributes(_ref(parent), name)})


def list_event_subscriptions(ctx: Context, **parent: str) -> Reply:
    """GET the list of a workspace or system topic, paged, with the name $filter."""
    return _paged(ctx, ctx.backend.list_event_subscriptions(_ref(parent)))


def list_regional_event_subscriptions(ctx: Context, sub: str, rg: str | None = None, location: str | None = None,
                                      ttype: str | None = None) -> Reply:
    """GET a subscription- or resource-group-wide list, regional (``locations/{location}``) or global (no
    location: subscriptions on global resources, of which the emulator has none), optionally for one topic type."""
    items = ctx.backend.list_regional_event_subscriptions(sub, rg, location or "global", ttype)
    return _paged(ctx, items)


# --- system topics -------------------------------------------------------------------------------------------

def get_system_topic(ctx: Context, sub: str, rg: str, topic: str) -> Reply:
    """GET one system topic."""
    return Reply(200, ctx.backend.get_system_topic(sub, rg, topic))


def put_system_topic(ctx: Context, sub: str, rg: str, topic: str) -> Reply:
    """PUT: 201 + Azure-AsyncOperation for a new topic, 200 for an existing one."""
    view, op = ctx.backend.put_system_topic(sub, rg, topic, ctx.json(), ctx.principal_id, ctx.fail_operation)
    return Reply(200, view) if op is None else Reply(201, view, _operation_headers(ctx, op))


def patch_system_topic(ctx: Context, sub: str, rg: str, topic: str) -> Reply:
    """PATCH tags/identity: 200."""
    return Reply(200, ctx.backend.update_system_topic(sub, rg, topic, ctx.json() or {}, ctx.principal_id))


def delete_system_topic(ctx: Context, sub: str, rg: str, topic: str) -> Reply:
    """DELETE: 202 + Location + Azure-AsyncOperation, or 204 when it does not exist."""
    op = ctx.backend.delete_system_topic(sub, rg, topic, ctx.fail_operation)
    return Reply(204) if op is None else Reply(202, None, _operation_headers(ctx, op, with_location=True))


def list_system_topics(ctx: Context, sub: str, rg: str | None = None) -> Reply:
    """GET the topics of a resource group or subscription, paged."""
    return _paged(ctx, ctx.backend.list_system_topics(sub, rg))


# --- operations ----------------------------------------------------------------------------------------------

def operation_status(ctx: Context, sub: str, location: str, op: str) -> Reply:
    """GET operationsStatus: {id, name, status[, error]}."""
    record = ctx.backend.operation(sub, op)
    body: dict[str, Any] = {"id": ctx.url(), "name": record["id"], "status": record["status"]}
    if record["status"] == "Failed" and record.get("error"):
        body["error"] = record["error"]
    return Reply(200, body)


def operation_result(ctx: Context, sub: str, location: str, op: str) -> Reply:
    """GET operationResults: 202 (+ Location) while running, then 200/204, or the error."""
    record = ctx.backend.operation(sub, op)
    if record["status"] == "Succeeded":
        return Reply(204) if record["action"] == "delete" else Reply(200, {})
    if record["status"] == "Failed":
        error = record.get("error") or {"code": "ResourceOperationFailure", "message": "The operation failed."}
        raise ArmError(400, error["code"], error["message"], error.get("details"))
    return Reply(202, None, {"Location": ctx.url()})


# --- the seeded world ----------------------------------------------------------------------------------------

def get_workspace(ctx: Context, sub: str, rg: str, ws: str) -> Reply:
    """GET one seeded workspace."""
    return Reply(200, ctx.backend.workspace_view(sub, rg, ws))


def list_workspaces(ctx: Context, sub: str, rg: str | None = None) -> Reply:
    """GET the seeded workspaces of a resource group or subscription."""
    return Reply(200, {"value": ctx.backend.list_workspaces(sub, rg)})


def get_resource_group(ctx: Context, sub: str, rg: str) -> Reply:
    """GET a seeded resource group."""
    return Reply(200, ctx.backend.resource_group_view(sub, rg))


def get_subscription(ctx: Context, sub: str) -> Reply:
    """GET the seeded subscription."""
    return Reply(200, ctx.backend.subscription_view(sub))


def list_subscriptions(ctx: Context) -> Reply:
    """GET the subscriptions the caller can see (``az login`` lists them)."""
    return Reply(200, {"value": ctx.backend.list_subscriptions(ctx.principal_id)})


def list_tenants(ctx: Context) -> Reply:
    """GET the tenants of the caller."""
    return Reply(200, {"value": ctx.backend.tenants()})


# --- Microsoft.Authorization ----------------------------------------------------------------------------------

def list_permissions(ctx: Context, scope: str) -> Reply:
    """GET the caller's permissions at the scope."""
    return Reply(200, {"value": ctx.backend.permissions(ctx.principal_id, scope)})


def list_role_assignments(ctx: Context, scope: str) -> Reply:
    """GET role assignments with atScope()/assignedTo()/principalId filters."""
    with _odata_errors():
        query = role_assignment_filter(ctx.query("$filter"))
    return Reply(200, {"value": ctx.backend.role_assignments(scope or "/", query)})


def get_role_definition(ctx: Context, scope: str, guid: str) -> Reply:
    """GET one role definition by GUID."""
    return Reply(200, ctx.backend.role_definition(scope, guid))


def list_role_definitions(ctx: Context, scope: str) -> Reply:
    """GET role definitions, optionally filtered on roleName/type."""
    text = ctx.query("$filter")
    with _odata_errors():
        accept = compile_filter(text, ("roleName", "type")) if text else None
    return Reply(200, {"value": ctx.backend.role_definitions(scope, accept)})
