"""What the fleet commands (`subscription list` without -w, `workspace list`, `audit`) share: the options that
select workspaces (Azure subscriptions, resource group, locations, name glob, tags), the ``WorkspaceSelector``
they make, and the table of a fleet's event subscriptions (a Workspace column first)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from amlevents.cli.output import OutputFormat

if TYPE_CHECKING:
    from amlevents.arm.discovery import WorkspaceSelector

_PANEL = "Fleet"
AllSubscriptionsOpt = Annotated[bool, typer.Option(
    "--all-subscriptions", help="Every Azure subscription you can see (instead of -s).", rich_help_panel=_PANEL)]
LocationOpt = Annotated[Optional[list[str]], typer.Option(
    "--location", "-l", help="Only workspaces in this Azure location (e.g. westeurope). Repeatable.",
    show_default=False, rich_help_panel=_PANEL)]
WorkspacePatternOpt = Annotated[Optional[str], typer.Option(
    "--workspace-pattern", metavar="GLOB", help="Only workspaces whose name matches this glob (e.g. 'prod-*'; "
    "case-insensitive).", show_default=False, rich_help_panel=_PANEL)]
TagOpt = Annotated[Optional[list[str]], typer.Option(
    "--tag", metavar="KEY=VALUE", help="Only workspaces with this tag (case-insensitive). Repeatable: all must "
    "match.", show_default=False, rich_help_panel=_PANEL)]


def selector(ctx: typer.Context, *, subscription: str | None, all_subscriptions: bool, resource_group: str | None,
             locations: list[str] | None = None, pattern: str | None = None,
             tags: list[str] | None = None) -> WorkspaceSelector:
    """The workspaces the options select. Without -s or --all-subscriptions, the Azure subscription is the one a
    workspace command would use (AZURE_SUBSCRIPTION_ID, config.json, or the emulator's)."""
    from amlevents.arm.discovery import WorkspaceSelector, parse_tags
    from amlevents.core.errors import InvalidInputError

    if all_subscriptions and subscription:
        raise InvalidInputError("--all-subscriptions and --subscription/-s cannot be combined",
                                hint="drop one of them")
    subscriptions: tuple[str, ...] = ()
    if not all_subscriptions:
        subscriptions = (default_subscription(ctx, subscription),)
    return WorkspaceSelector(subscriptions=subscriptions, resource_group=resource_group,
                             locations=tuple(locations or ()), name_pattern=pattern, tags=parse_tags(tags))


def default_subscription(ctx: typer.Context, subscription: str | None) -> str:
    """``subscription``, else the one the workspace commands fall back to (their lookup chain is reused with the
    workspace parts filled in, so only a missing subscription can be reported)."""
    from amlevents.cli.context import session
    from amlevents.core.workspace import resolve_workspace

    return resolve_workspace(workspace="-", resource_group="-", subscription=subscription,
                             defaults=session(ctx).default_workspace).subscription_id


def is_fleet(*, workspace: str | None, workspace_id: str | None, subscription: str | None,
             resource_group: str | None, all_subscriptions: bool, locations: list[str] | None,
             pattern: str | None) -> bool:
    """`subscription list` lists a fleet when no workspace is named and a fleet option is given (without any,
    it keeps listing the workspace from the environment or config.json)."""
    if workspace or workspace_id:
        return False
    return bool(subscription or resource_group or all_subscriptions or locations or pattern)


def _workspace_part(index: int) -> Any:
    """A cell from the event subscription's id: its workspace's name (-1) or resource group (4)."""
    def cell(resource: dict[str, Any]) -> str:
        parts = str(resource.get("id") or "").split("/providers/Microsoft.EventGrid/")[0].split("/")
        return parts[index] if len(parts) > 8 else ""

    return cell


def emit_fleet_items(ctx: typer.Context, items: Iterable[dict[str, Any]], output: OutputFormat | None,
                     query: str | None) -> None:
    """A fleet's event subscriptions as they arrive, exactly as `subscription list` writes one workspace's (each
    item's own id names its workspace); a table adds Workspace and Resource group columns in front."""
    from amlevents.cli import render
    from amlevents.cli.output import Column, emit_items, resolve_format

    if resolve_format(output) is OutputFormat.table and not query:
        columns = [Column("Workspace", _workspace_part(-1)), Column("Resource group", _workspace_part(4)),
                   *render.LIST_COLUMNS]
        emit_items((render.redacted(ctx, item) for item in items), output, columns=columns)
    else:
        render.resources(ctx, items, output, query)
