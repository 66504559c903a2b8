"""`amlevents plan`, `apply`, `export`: desired state from a manifest, across many workspaces."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer._click.exceptions import (
    ClickException,  # typer >=0.26 vendors click, as cli/errors.py notes
)
from typer.core import TyperCommand

from amlevents.cli.context import address, desired_state_service, state
from amlevents.cli.options import (
    OutputOpt,
    QueryOpt,
    ResourceGroupOpt,
    SubscriptionIdOpt,
    sub_app,
)
from amlevents.cli.output import Column, OutputFormat, emit, emit_raw, note, warn
from amlevents.cli.render import redacted
from amlevents.cli.style import plural

if TYPE_CHECKING:
    from amlevents.core.manifest import Manifest

app = sub_app("Desired state: plan, apply, export.")


class _DetailedExitcodeCommand(TyperCommand):
    """With --detailed-exitcode a usage error exits 1 like every other error: its usual 2 reads as "changes"."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        detailed = "--detailed-exitcode" in args  # before parsing, which consumes the list
        try:
            return super().parse_args(ctx, args)
        except ClickException as exc:
            if detailed:
                exc.exit_code = 1
            raise


# A plain string, not Click's path type (which raises ValueError on a NUL): the manifest reader checks the path.
FileOpt = Annotated[str, typer.Option("--file", "-f", help="The manifest (YAML).", metavar="FILE",
                                      show_default=False)]
SelectOpt = Annotated[list[str] | None, typer.Option(
    "--select", metavar="KEY=GLOB", show_default=False,
    help="Only the workspaces matching KEY=GLOB (name, resourceGroup, subscription, location, tag:NAME; "
    "case-insensitive). Repeatable: all must match.")]
ShardOpt = Annotated[str | None, typer.Option(
    "--shard", metavar="N/M", show_default=False,
    help="Only shard N of M (a stable hash of each workspace id): M CI jobs cover the fleet, disjointly.")]
PruneOpt = Annotated[bool, typer.Option(
    "--prune", help="Also delete subscriptions of the listed workspaces that the manifest does not name.")]
VisibleOnlyOpt = Annotated[bool, typer.Option(
    "--visible-only", help="Compare webhook URLs and secret delivery attributes by what a read shows, without "
    "reading their hidden parts (no getFullUrl/getDeliveryAttributes: one request per webhook fewer); those "
    "fields are reported unverified, not unchanged.")]


def _short(workspace_id: str) -> str:
    """The workspace's name, the last segment of its ARM id."""
    return workspace_id.rsplit("/", 1)[-1]


def _show(value: Any) -> str:
    import json

    if value is None:
        return "(none)"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value) or "[]"  # event types, labels
    return value if isinstance(value, str) else json.dumps(value)


def _advanced(items: Any) -> list[str] | None:
    """Advanced filters as the --advanced-filter grammar writes them (``KEY OPERATOR VALUES``); None when a value
    is not a list of wire filters (then it is shown as JSON)."""
    from amlevents.core.filters import AdvancedFilter, format_advanced_filter

    if items is None:
        return []
    if not isinstance(items, list):
        return None
    try:
        return [format_advanced_filter(AdvancedFilter.from_wire(item)) for item in items]
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _change(change: dict[str, Any]) -> str:
    """One field of a plan step: ``path: old -> new``; advanced filters as the lines that go (``-``) and come
    (``+``), in the --advanced-filter grammar."""
    if change["path"].endswith("advancedFilters"):
        old, new = _advanced(change["old"]), _advanced(change["new"])
        if old is not None and new is not None:
            lines = [f"  - {f}" for f in old if f not in new] + [f"  + {f}" for f in new if f not in old]
            return "\n".join([f"{change['path']}:", *lines])
    return f"{change['path']}: {_show(change['old'])} -> {_show(change['new'])}"


PLAN_COLUMNS = [
    Column("Workspace", lambda r: _short(r["workspace"])),
    Column("Subscription", "name"),
    Column("Action", "action", coloured=True),
    Column("Kind", "kind"),
    Column("Changes", lambda r: "\n".join(_change(c) for c in r["changes"]) or "-"),
]


def _emit_plan(entries: list[dict[str, Any]], output: Any, query: str | None,
               columns: list[Column] = PLAN_COLUMNS) -> None:
    """Steps of a plan (or results of an apply): JSON/YAML/TSV as one list (each names its workspace id); a table
    per workspace, each under a heading with the workspace's id (``columns[0]``, the workspace, is left out)."""
    from amlevents.cli.output import resolve_format

    if query or resolve_format(output) is not OutputFormat.table or not entries:
        emit(entries, output, query=query, columns=columns)
        return
    by_workspace: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_workspace.setdefault(entry["workspace"], []).append(entry)
    for i, (workspace, rows) in enumerate(by_workspace.items()):
        emit_raw(("\n" if i else "") + _heading(workspace))
        emit(rows, output, columns=columns[1:])


def _heading(workspace_id: str) -> str:
    """A workspace's table heading, short enough for an 80-column terminal: its name and resource group (the full
    id, subscription included, is in -o json)."""
    parts = workspace_id.split("/")
    if len(parts) >= 9 and parts[1].lower() == "subscriptions" and parts[3].lower() == "resourcegroups":
        return f"Workspace {parts[-1]} (resource group {parts[4]})"
    return f"Workspace {workspace_id}"


def _run_filter(select: list[str] | None, shard: str | None) -> Any:
    from amlevents.core.manifest.select import parse_run_filter

    return parse_run_filter(select, shard)  # exit 2 on a bad --select or --shard, before anything is read


def _load(file: str, ctx: typer.Context) -> Manifest:
    from amlevents.cli.context import emulated
    from amlevents.core.manifest import load_manifest

    return load_manifest(file, allow_http_loopback=emulated(ctx))  # the emulator judges http:// loopback hooks


def _summary_line(steps: list[Any]) -> str:
    """``Plan: 1 to create, 0 to update, 0 to delete, 4 unchanged.``, for `plan` and `apply` alike (all steps)."""
    from amlevents.core.plan import summarize

    counts = summarize(steps)
    return (f"Plan: {counts['create']} to create, {counts['update']} to update, {counts['delete']} to delete, "
            f"{counts['no-change']} unchanged.")


@app.command("plan", cls=_DetailedExitcodeCommand)
def plan_command(
    ctx: typer.Context,
    file: FileOpt,
    prune: PruneOpt = False,
    select: SelectOpt = None,
    shard: ShardOpt = None,
    visible_only: VisibleOnlyOpt = False,
    detailed_exitcode: Annotated[bool, typer.Option(
        "--detailed-exitcode", help="Exit 0 when nothing would change, 2 when changes are pending, 1 on error "
        "(Terraform's convention).")] = False,
    output: OutputOpt = None,
    query: QueryOpt = None,
) -> None:
    """Show what `apply` would change: create, update (field by field, old -> new), delete (--prune), no change.

    Reads every listed workspace concurrently and sends nothing.
    Example: amlevents plan -f examples/manifest.yaml --detailed-exitcode
    """
    from amlevents.core.errors import AmlEventsError, ExitCode
    from amlevents.core.plan import Action, to_json

    try:
        run = _run_filter(select, shard)
        states = desired_state_service(ctx).plan(_load(file, ctx), prune=prune, run=run, hidden=not visible_only)
    except AmlEventsError as exc:
        if detailed_exitcode:
            exc.exit_code = ExitCode.ERROR  # Terraform: 1 means error, whatever it was
        raise
    steps = [step for s in states for step in s.steps]
    # Not redacted: the plan never holds a secret (query values read `(secret)` / `(changed)`), and redacting
    # again would turn `code=(changed)` into the same `code=REDACTED` as the old side.
    _emit_plan(to_json(steps), output, query)
    note(_summary_line(steps))
    if detailed_exitcode and any(s.action is not Action.NO_CHANGE for s in steps):
        raise typer.Exit(2)


@app.command("apply")
def apply_command(
    ctx: typer.Context,
    file: FileOpt,
    prune: PruneOpt = False,
    select: SelectOpt = None,
    shard: ShardOpt = None,
    visible_only: VisibleOnlyOpt = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking (required without a terminal).")
                   ] = False,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=64,
                                             help="Write requests in flight at once.")] = 16,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan and print the writes as JSON; send nothing.")
                       ] = False,
    skip_access_check: Annotated[bool, typer.Option(
        "--skip-access-check", help="Do not check permissions first.")] = False,
    output: OutputOpt = None,
    query: QueryOpt = None,
) -> None:
    """Make the listed workspaces match the manifest: plan, confirm, check access, apply concurrently.

    A failed step does not stop the others; the result lists what was and was not applied and the exit code is
    1 when anything failed. Re-running converges.
    Example: amlevents apply -f examples/manifest.yaml --yes
    """
    from amlevents.core.errors import ExitCode, InvalidInputError
    from amlevents.core.plan import Action

    run = _run_filter(select, shard)
    svc = desired_state_service(ctx)
    states = svc.plan(_load(file, ctx), prune=prune, run=run, hidden=not visible_only,
                      access=not (dry_run or skip_access_check))
    steps = [step for s in states for step in s.steps]
    changing = [s for s in steps if s.action is not Action.NO_CHANGE]
    if dry_run:
        emit(redacted(ctx, svc.requests(states)), output, query=query, interactive_default=OutputFormat.json)
        return
    if not changing:
        note("Nothing to change: the workspaces already match the manifest.")
        emit([], output, query=query)
        return
    _show_plan(changing, steps)
    if not yes:
        if svc.ui.confirm is None:
            raise InvalidInputError("refusing to apply without confirmation",
                                    hint="there is no terminal to ask on: review `amlevents plan`, then pass --yes")
        # a declined confirmation raises Cancelled (arm/ui.py): exit 1, "Cancelled; nothing was changed."
        svc.ui.confirm(f"Apply {'this change' if len(changing) == 1 else f'these {len(changing)} changes'}?")
    if not skip_access_check:
        svc.check_access(states)
    with svc.ui.progress(f"Applying {plural(len(changing), 'change')}"):
        results = svc.apply(states, concurrency=concurrency)
    data = redacted(ctx, [r.to_dict() for r in results])  # an ARM error can quote a webhook URL
    _emit_plan(data, output, query, [Column("Workspace", lambda r: _short(r["workspace"])),
                                     Column("Subscription", "name"), Column("Action", "action", coloured=True),
                                     Column("Status", "status", coloured=True), Column("Error", "error")])
    failed = [r for r in results if r.status != "applied"]
    if failed:
        message = (f"{len(failed)} of {plural(len(results), 'change')} {'was' if len(failed) == 1 else 'were'} "
                   "not applied: "
                   + "; ".join(f"{r.step.action.value} {_short(r.step.workspace_id)}/{r.step.name} "
                               f"({r.status}): {(r.error or '').rstrip('.')}" for r in failed)
                   + ". Fix the cause and run apply again: it converges.")
        if not state(ctx).show_secrets:
            from amlevents.core.redact import redact_text

            message = redact_text(message)  # an ARM error can quote a webhook URL
        warn(message)
        raise typer.Exit(int(ExitCode.ERROR))
    note(f"Applied {plural(len(results), 'change')}.")


def _show_plan(changing: list[Any], steps: list[Any]) -> None:
    """The plan, for the person about to confirm, on stderr (stdout carries the result): each change marked as
    Terraform marks it (``+`` create, ``~`` update, ``-`` delete; coloured on a terminal), then the summary of
    every step, as `plan` prints it."""
    import sys

    from amlevents.cli.style import ACTION_MARKS, paint, style_of
    from amlevents.core.plan import to_json

    for entry in to_json(changing):
        action = f"{ACTION_MARKS.get(entry['action'], '?')} {entry['action']}"
        note(f"  {paint(action, style_of(entry['action']), sys.stderr)} "
             f"{_short(entry['workspace'])}/{entry['name']} ({entry['kind']})")
        for change in entry["changes"]:
            note("      " + _change(change).replace("\n", "\n      "))
    note(_summary_line(steps))


@app.command("export")
def export_command(
    ctx: typer.Context,
    workspaces: Annotated[list[str] | None, typer.Option(
        "--workspace", "-w", help="Workspace name (in --resource-group). Repeatable.", show_default=False)] = None,
    resource_group: ResourceGroupOpt = None,
    subscription: SubscriptionIdOpt = None,
    workspace_ids: Annotated[list[str] | None, typer.Option(
        "--workspace-id", help="Full ARM id of a workspace. Repeatable.", show_default=False)] = None,
    all_in_group: Annotated[bool, typer.Option(
        "--all", help="Every workspace of the resource group.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write the manifest to this file instead of stdout.",
                                                dir_okay=False, show_default=False)] = None,
) -> None:
    """Write a manifest of deployed subscriptions that `plan` reports as unchanged.

    Webhook query strings and secret attribute values become ${AMLEVENTS_...} references; their names are listed
    on stderr (with --show-secrets, as `export NAME=value` lines to set them).
    Example: amlevents export -g ml-prod --all --out manifest.yaml
    """
    import shlex

    from amlevents.core.errors import InvalidInputError
    from amlevents.core.manifest import dump_manifest
    from amlevents.core.workspace import WorkspaceRef

    if out and not out.resolve().parent.is_dir():  # before reading anything, not after
        raise InvalidInputError(f"cannot write {out}: the directory {out.resolve().parent} does not exist",
                                hint="create it, or give --out another path")
    svc = desired_state_service(ctx)
    refs: list[WorkspaceRef] = [WorkspaceRef.parse(i) for i in workspace_ids or ()]
    if all_in_group or workspaces:
        # Only the subscription and group matter here; the name is a placeholder for the resolver.
        group = address(ctx, (workspaces or ["-"])[0], resource_group, subscription, None)
        if all_in_group:
            refs += svc.workspaces_in_group(group.subscription_id, group.resource_group)
        refs += [WorkspaceRef(group.subscription_id, group.resource_group, name) for name in workspaces or ()]
    if not refs:
        refs = [address(ctx, None, resource_group, subscription, None)]
    refs = list({r.id.lower(): r for r in refs}.values())
    text, variables = dump_manifest(svc.export(refs))
    if out:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InvalidInputError(f"cannot write {out}: {exc.strerror or exc}", hint="give --out another path") \
                from exc
        note(f"wrote {out}")
    else:
        emit_raw(text)
    if variables:
        if state(ctx).show_secrets:
            note("set these before `amlevents plan`:\n" + "\n".join(
                f"export {k}={shlex.quote(v)}" for k, v in variables.items()))
        else:
            warn("the manifest references secrets; set these environment variables before `amlevents plan` "
                 "(their values: rerun with --show-secrets): " + ", ".join(variables))
