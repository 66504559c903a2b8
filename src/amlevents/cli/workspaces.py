"""`amlevents workspace list`: the Azure ML workspaces of a fleet, found with one Azure Resource Graph query."""

from __future__ import annotations

from typing import Any

import typer

from amlevents.cli.fleet import (
    AllSubscriptionsOpt,
    LocationOpt,
    TagOpt,
    WorkspacePatternOpt,
    selector,
)
from amlevents.cli.options import (
    OutputOpt,
    QueryOpt,
    ResourceGroupOpt,
    SubscriptionIdOpt,
    sub_app,
)

app = sub_app("Find the Azure ML workspaces of a fleet (Azure Resource Graph).", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Keep this a command group (Typer would collapse a one-command app into the command)."""


def _tags(row: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted((row.get("tags") or {}).items())) or "-"


@app.command("list")
def list_workspaces(
    ctx: typer.Context,
    subscription: SubscriptionIdOpt = None, all_subscriptions: AllSubscriptionsOpt = False,
    resource_group: ResourceGroupOpt = None, locations: LocationOpt = None,
    workspace_pattern: WorkspacePatternOpt = None, tags: TagOpt = None,
    output: OutputOpt = None, query: QueryOpt = None,
) -> None:
    """List Azure ML workspaces (name, resource group, subscription, location, tags) with one Resource Graph
    query across the Azure subscriptions, every page.

    Example: amlevents workspace list --all-subscriptions --tag env=prod -o table
    """
    from amlevents.arm.discovery import Discovery
    from amlevents.cli.context import session
    from amlevents.cli.output import Column, emit

    chosen = selector(ctx, subscription=subscription, all_subscriptions=all_subscriptions,
                      resource_group=resource_group, locations=locations, pattern=workspace_pattern, tags=tags)
    rows = Discovery(session(ctx)).workspaces(chosen)
    columns = [Column("Name", "name"), Column("Resource group", "resourceGroup"),
               Column("Subscription", "subscriptionId"), Column("Location", "location"), Column("Tags", _tags)]
    emit(rows, output, query=query, columns=columns)
