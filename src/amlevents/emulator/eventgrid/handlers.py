"""Event Grid's request handlers: event subscriptions, system topics and the status of their operations.

Long-running writes answer with ``Azure-AsyncOperation`` (and ``Location`` for a DELETE) pointing at the
operation's status and result under ``/providers/Microsoft.EventGrid/locations/{location}``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from amlevents.emulator.eventgrid.subscriptions import ParentRef
from amlevents.emulator.runtime.errors import ArmError
from amlevents.emulator.runtime.handlers import Context, Reply, paged


def _operation_headers(ctx: Context, op: dict[str, Any], with_location: bool = False) -> dict[str, str]:
    # the operation is polled in the Azure subscription the request addressed (every route here starts with it)
    base = (f"/subscriptions/{ctx.path.split('/')[2]}/providers/Microsoft.EventGrid/"
            f"locations/{quote(op['location'])}")
    headers = {"Azure-AsyncOperation": ctx.url(f"{base}/operationsStatus/{op['id'].upper()}")}
    if with_location:
        headers["Location"] = ctx.url(f"{base}/operationResults/{op['id'].upper()}")
    return headers


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
    view, op = ctx.backend.put_event_subscription(_ref(parent), name, ctx.json(), ctx.who, ctx.fail_operation)
    return Reply(201, view, _operation_headers(ctx, op))


def patch_event_subscription(ctx: Context, name: str, **parent: str) -> Reply:
    """PATCH (merge top-level fields): 201 + Azure-AsyncOperation, Updating."""
    view, op = ctx.backend.update_event_subscription(_ref(parent), name, ctx.json() or {}, ctx.who,
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
    """POST getDeliveryAttributes: the mappings with their secret values; ``"value": null`` when there are none,
    as Azure answered Azure PowerShell's recorded Get-AzEventGrid[SystemTopic]EventSubscriptionDeliveryAttribute."""
    return Reply(200, {"value": ctx.backend.delivery_attributes(_ref(parent), name) or None})


def list_event_subscriptions(ctx: Context, **parent: str) -> Reply:
    """GET the list of a workspace or system topic, paged, with the name $filter."""
    return paged(ctx, ctx.backend.list_event_subscriptions(_ref(parent)))


def list_regional_event_subscriptions(ctx: Context, sub: str, rg: str | None = None, location: str | None = None,
                                      ttype: str | None = None) -> Reply:
    """GET a subscription- or resource-group-wide list, regional (``locations/{location}``) or global (no
    location: subscriptions on global resources, of which the emulator has none), optionally for one topic type."""
    items = ctx.backend.list_regional_event_subscriptions(sub, rg, location or "global", ttype)
    return paged(ctx, items)


# --- system topics -------------------------------------------------------------------------------------------

def get_system_topic(ctx: Context, sub: str, rg: str, topic: str) -> Reply:
    """GET one system topic."""
    return Reply(200, ctx.backend.get_system_topic(sub, rg, topic))


def put_system_topic(ctx: Context, sub: str, rg: str, topic: str) -> Reply:
    """PUT: 200 with the topic, created or updated at once (as Azure answers it)."""
    return Reply(200, ctx.backend.put_system_topic(sub, rg, topic, ctx.json(), ctx.who))


def patch_system_topic(ctx: Context, sub: str, rg: str, topic: str) -> Reply:
    """PATCH tags/identity: 200."""
    return Reply(200, ctx.backend.update_system_topic(sub, rg, topic, ctx.json() or {}, ctx.who))


def delete_system_topic(ctx: Context, sub: str, rg: str, topic: str) -> Reply:
    """DELETE: 202 + Location + Azure-AsyncOperation, or 204 when it does not exist."""
    op = ctx.backend.delete_system_topic(sub, rg, topic, ctx.fail_operation)
    return Reply(204) if op is None else Reply(202, None, _operation_headers(ctx, op, with_location=True))


def list_system_topics(ctx: Context, sub: str, rg: str | None = None) -> Reply:
    """GET the topics of a resource group or subscription, paged."""
    return paged(ctx, ctx.backend.list_system_topics(sub, rg))


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
        # Azure answers a finished delete's result with 200 and no body (Azure PowerShell's recording)
        return Reply(200) if record["action"] == "delete" else Reply(200, {})
    if record["status"] == "Failed":
        error = record.get("error") or {"code": "ResourceOperationFailure", "message": "The operation failed."}
        raise ArmError(400, error["code"], error["message"], error.get("details"))
    return Reply(202, None, {"Location": ctx.url()})
