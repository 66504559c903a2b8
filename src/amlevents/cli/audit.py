"""`amlevents audit`: what about a fleet's event subscriptions needs attention, for people and for CI."""

from __future__ import annotations

from typing import Annotated, Any, Optional

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

app = sub_app("Report what needs attention across workspaces.")


def _short(workspace_id: str) -> str:
    """``resourceGroup/workspace`` of a workspace id (the table's Workspace column)."""
    parts = workspace_id.split("/")
    return f"{parts[4]}/{parts[-1]}" if len(parts) > 8 else workspace_id


def _policy(path: str | None) -> list[Any]:
    """The required subscriptions of a policy manifest (read by ``core.manifest``, checked as `plan` checks it)."""
    if not path:
        return []
    from amlevents.core.audit import PolicyEntry
    from amlevents.core.manifest import load_manifest

    manifest = load_manifest(path)
    return [PolicyEntry.from_ref_args(spec.ref_args, [s.name for s in spec.subscriptions])
            for spec in manifest.workspaces]


@app.command("audit")
def audit(
    ctx: typer.Context,
    subscription: SubscriptionIdOpt = None, all_subscriptions: AllSubscriptionsOpt = False,
    resource_group: ResourceGroupOpt = None, locations: LocationOpt = None,
    workspace_pattern: WorkspacePatternOpt = None, tags: TagOpt = None,
    expiring_within: Annotated[float, typer.Option(
        "--expiring-within", metavar="DAYS", min=0, help="Report subscriptions expiring within DAYS.")] = 7,
    policy: Annotated[Optional[str], typer.Option(
        "--policy", metavar="MANIFEST", help="A manifest whose subscriptions every workspace it names must have "
        "(a part of a workspace it leaves out matches any).", show_default=False)] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Exit 1 when anything needs attention (for CI).")] = False,
    output: OutputOpt = None, query: QueryOpt = None,
) -> None:
    """Report, per workspace and event subscription, what needs attention: provisioning Failed or
    AwaitingManualAction, expired or expiring, no dead-letter destination, filters that can never match, a resource
    identity missing, a subscription the --policy manifest requires absent. Exit 0 (with --check: 1 when there is
    any finding).

    Example: amlevents audit --all-subscriptions --expiring-within 14 --policy policy.yaml --check -o json
    """
    from datetime import timedelta

    from amlevents.arm.audit import audit as run_audit
    from amlevents.cli.context import session
    from amlevents.cli.output import Column, emit

    entries = _policy(policy)  # a bad manifest is reported before any request
    chosen = selector(ctx, subscription=subscription, all_subscriptions=all_subscriptions,
                      resource_group=resource_group, locations=locations, pattern=workspace_pattern, tags=tags)
    findings = run_audit(session(ctx), chosen, expiring_within=timedelta(days=expiring_within), policy=entries)
    columns = [Column("Workspace", lambda f: _short(f["workspace"])), Column("Subscription", "subscription"),
               Column("Severity", "severity"), Column("Kind", "kind"), Column("Message", "message")]
    emit([f.to_dict() for f in findings], output, query=query, columns=columns)
    if check and findings:
        raise typer.Exit(1)
