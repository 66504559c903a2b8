"""How event subscriptions look in tables, and the secret redaction every output goes through."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, TypeVar

import typer

from amlevents.cli.context import state
from amlevents.cli.output import Column, Json, OutputFormat, emit, emit_items

JsonT = TypeVar("JsonT", bound=Json)


def redacted(ctx: typer.Context, data: JsonT, keep: Collection[str] = ()) -> JsonT:
    """``data`` with secrets redacted by core.redact's one policy (URL query values, user-info passwords and
    fragments; secret delivery attribute values; tokens), unless --show-secrets; ``keep`` names what a
    command's own flag revealed (core.redact's ``KEEP_*``)."""
    if state(ctx).show_secrets:
        return data
    from amlevents.core.redact import redact_resource

    return redact_resource(data, keep)


def _props(resource: dict[str, Any]) -> dict[str, Any]:
    return resource.get("properties") or {}


def _destination(resource: dict[str, Any]) -> str:
    from amlevents.core.subscription import destination_of

    props = _props(resource)
    dest = destination_of(props) or {}
    inner = dest.get("properties") or {}
    target = inner.get("endpointUrl") or inner.get("endpointBaseUrl") or inner.get("resourceId") or ""
    if inner.get("queueName"):
        target = f"{target.rsplit('/', 1)[-1]}/{inner['queueName']}"
    elif "/" in target and not target.startswith("http"):
        target = target.rsplit("/", 1)[-1]
    identity = " (identity)" if props.get("deliveryWithResourceIdentity") else ""
    return f"{dest.get('endpointType', '?')}: {target}{identity}"


def _event_types(resource: dict[str, Any]) -> str:
    types = (_props(resource).get("filter") or {}).get("includedEventTypes")
    if not types:
        return "all"
    return ", ".join(t.rsplit(".", 1)[-1] for t in types)


def _filters(resource: dict[str, Any]) -> str:
    f = _props(resource).get("filter") or {}
    parts = []
    if f.get("subjectBeginsWith"):
        parts.append(f"subject begins '{f['subjectBeginsWith']}'")
    if f.get("subjectEndsWith"):
        parts.append(f"subject ends '{f['subjectEndsWith']}'")
    if f.get("advancedFilters"):
        parts.append(f"{len(f['advancedFilters'])} advanced")
    return "; ".join(parts) or "-"


def _kind(resource: dict[str, Any]) -> str:
    from amlevents.core.workspace import parent_of

    return parent_of(resource)[0]


# No "Kind" column: a workspace's subscriptions are one collection, listed on the scope (the topic path of one
# is shown by `show --system-topic`).
LIST_COLUMNS = [
    Column("Name", "name"),
    Column("Destination", _destination),
    Column("Event types", lambda r: _event_types(r).replace(", ", "\n")),  # one per line: names never split
    Column("Filters", _filters),
    Column("State", lambda r: _props(r).get("provisioningState", "")),
]


def _details(resource: dict[str, Any]) -> dict[str, Any]:
    """The key/value view of one subscription."""
    from amlevents.core.filters import AdvancedFilter, format_advanced_filter
    from amlevents.core.subscription import dead_letter_of

    props = _props(resource)
    f = props.get("filter") or {}
    retry = props.get("retryPolicy") or {}
    dead = dead_letter_of(props) or {}
    advanced = []
    for item in f.get("advancedFilters") or []:
        try:
            advanced.append(format_advanced_filter(AdvancedFilter.from_wire(item)))
        except ValueError:
            advanced.append(str(item))
    return {
        "Name": resource.get("name"),
        "Kind": _kind(resource),
        "State": props.get("provisioningState"),
        "Destination": _destination(resource),
        "Event types": _event_types(resource),
        "Subject begins with": f.get("subjectBeginsWith") or "-",
        "Subject ends with": f.get("subjectEndsWith") or "-",
        "Advanced filters": "\n".join(advanced) or "-",
        "Retry": f"{retry.get('maxDeliveryAttempts', '?')} attempts, {retry.get('eventTimeToLiveInMinutes', '?')} min",
        "Schema": props.get("eventDeliverySchema"),
        "Labels": ", ".join(props.get("labels") or []) or "-",
        "Expires": props.get("expirationTimeUtc") or "never",
        "Dead letter": (f"{dead.get('properties', {}).get('resourceId', '').rsplit('/', 1)[-1]}/"
                        f"{dead.get('properties', {}).get('blobContainerName', '')}") if dead else "-",
        "Id": resource.get("id"),
    }


def resource(ctx: typer.Context, data: dict[str, Any], output: OutputFormat | None, query: str | None,
             keep: Collection[str] = ()) -> None:
    """One subscription: a key/value table on a terminal; otherwise (and for ``--query``) the shape az prints, or
    the REST resource under ``--raw``."""
    _emit_one(ctx, redacted(ctx, data, keep), output, query)


def _emit_one(ctx: typer.Context, data: dict[str, Any], output: OutputFormat | None, query: str | None) -> None:
    from amlevents.cli.output import resolve_format

    fmt = resolve_format(output)
    if fmt is OutputFormat.table and not query:
        emit(_details(data), fmt)
    else:
        emit(_as_az(ctx, data), fmt, query=query)


def _as_az(ctx: typer.Context, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (REST JSON, already redacted: core.redact knows the REST paths) in az's shape, unless --raw."""
    if state(ctx).raw:
        return data
    from amlevents.core.azshape import az_shape

    return az_shape(data)


def resources(ctx: typer.Context, items: Iterable[dict[str, Any]], output: OutputFormat | None,
              query: str | None) -> None:
    """A list of subscriptions (``[]`` when there are none), written as the pages arrive, each item redacted:
    table columns from the REST shape; JSON/YAML/TSV and ``--query`` in az's shape (REST under ``--raw``)."""
    from amlevents.cli.output import resolve_format

    if resolve_format(output) is OutputFormat.table and not query:
        emit_items((redacted(ctx, item) for item in items), output, columns=LIST_COLUMNS)
    else:
        emit_items((_as_az(ctx, redacted(ctx, item)) for item in items), output, query=query)


def resource_or_request(ctx: typer.Context, data: dict[str, Any] | list[dict[str, Any]] | None,
                        output: OutputFormat | None, query: str | None) -> None:
    """A write's result: the resource, or what ``--dry-run`` would send (always JSON-shaped)."""
    if isinstance(data, list) or (isinstance(data, dict) and "method" in data and "url" in data):
        emit(redacted(ctx, data), output, query=query, interactive_default=OutputFormat.json)
    elif data is not None:
        resource(ctx, data, output, query)
