"""`amlevents access check`: who am I, which roles do I hold on the workspace, may I change its subscriptions?"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from amlevents.cli.context import address, service
from amlevents.cli.options import (
    OutputOpt,
    QueryOpt,
    ResourceGroupOpt,
    SubscriptionIdOpt,
    WorkspaceIdOpt,
    WorkspaceOpt,
    sub_app,
)
from amlevents.cli.output import Column, emit

app = sub_app("Check your access to a workspace's event subscriptions before you change them.", no_args_is_help=True)


class Operation(str, Enum):
    create = "create"
    update = "update"
    delete = "delete"


@app.callback()
def _group() -> None:
    """Keep this a command group (Typer would collapse a one-command app into the command)."""


@app.command("check")
def check(
    ctx: typer.Context,
    operation: Annotated[Operation, typer.Option("--operation", help="The operation to check.",
                                                 case_sensitive=False)] = Operation.create,
    system_topic: Annotated[bool, typer.Option(
        "--system-topic", help="Check the system-topic path (topic and topic-subscription actions on the resource "
        "group) instead of the workspace scope.")] = False,
    workspace: WorkspaceOpt = None, resource_group: ResourceGroupOpt = None, subscription: SubscriptionIdOpt = None,
    workspace_id: WorkspaceIdOpt = None,
    output: OutputOpt = None, query: QueryOpt = None,
) -> None:
    """Print the signed-in identity, its roles on the workspace and whether it may perform the operation.

    Exits 0 when allowed and 4 when not, so a pipeline can check access before it changes anything.

    Example: amlevents access check --operation delete -w my-workspace -g my-rg
    """
    from amlevents.cli.output import warn
    from amlevents.core.errors import ExitCode

    svc = service(ctx)
    verdict = svc.check(address(ctx, workspace, resource_group, subscription, workspace_id), operation.value,
                        system_topic=system_topic, create_topic=system_topic,
                        with_roles=True)
    data = verdict.to_dict()
    emit(data, output, query=query, rows=lambda d: [d], columns=[
        Column("Identity", "identity"),
        Column("Roles on the workspace", lambda d: "\n".join(d["roles"]) if d["roles"] is not None else "unknown"),
        Column("Needs", lambda d: "\n".join(d["actions"])),
        Column("Verdict", lambda d: "allowed" if d["allowed"] else "DENIED: missing " + ", ".join(d["missing"])),
    ])
    if not verdict.allowed:
        warn(f"{verdict.identity.display} may not {operation.value} event subscriptions here; "
             f"{' or '.join(verdict.granting_roles) or 'a role with these actions'} would grant it")
        raise typer.Exit(int(ExitCode.ACCESS_DENIED))
