"""Resource Graph's request handler: the per-user quota first, then the query (``service.py``)."""

from __future__ import annotations

from amlevents.emulator.resourcegraph.service import query_resources, support_message
from amlevents.emulator.runtime.errors import ArmError
from amlevents.emulator.runtime.handlers import Context, Reply

THROTTLED = ("Client application has been throttled and should not attempt to repeat the request until an amount "
             "of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help.")


def resources(ctx: Context) -> Reply:
    """POST resources: 200 with the page, or 429 RateLimiting when the caller's quota is spent (quota headers on
    every answer)."""
    verdict = ctx.backend.graph_quota.take(ctx.principal_id)
    headers = verdict.headers()
    if not verdict.allowed:
        raise ArmError(429, "RateLimiting", support_message(), [{"code": "RateLimiting", "message": THROTTLED}],
                       headers=headers)
    try:
        body, extra = query_resources(ctx.backend, ctx.principal_id, ctx.json())
    except ArmError as exc:
        exc.headers.update(headers)
        raise
    return Reply(200, body, {**headers, **extra})
