"""The root Typer app: global options and one sub-app per noun. Heavy imports stay inside commands.

The sub-apps are loaded lazily: Typer builds a Click command for every option of every command it knows, which
for this tree costs more than all the imports of `--help`. ``LazyGroup`` builds a group only when it is invoked
(its help line in the root listing comes from ``SUBCOMMANDS``), and the group builds only the command invoked.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer

from amlevents import __version__
from amlevents.cli.context import CliState
from amlevents.cli.errors import AmlEventsGroup

# name -> (module with a Typer `app`, one-line help for the root listing). The desired-state commands are
# top-level commands of one module's app rather than a group.
TOP_LEVEL = {"plan", "apply", "export", "listen", "audit"}
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "plan": ("amlevents.cli.desired_state", "Show what `apply` would change to match a manifest."),
    "apply": ("amlevents.cli.desired_state", "Make workspaces match a manifest (concurrently, re-runnable)."),
    "export": ("amlevents.cli.desired_state", "Write a manifest of deployed subscriptions."),
    "subscription": ("amlevents.cli.subscriptions", "Create, update, show, list and delete workspace event subscriptions."),
    "access": ("amlevents.cli.access", "Check your access to a workspace's event subscriptions."),
    "events": ("amlevents.cli.events", "The Azure ML event catalog, samples and offline filter tests."),
    "manifest": ("amlevents.cli.manifest", "Desired-state manifests: JSON Schema and offline validation."),
    "emulator": ("amlevents.cli.emulator", "Run the local Azure Resource Manager emulator."),
    "listen": ("amlevents.cli.listen", "Receive Event Grid deliveries locally and print each event."),
    "workspace": ("amlevents.cli.workspaces", "Find the Azure ML workspaces of a fleet (Azure Resource Graph)."),
    "audit": ("amlevents.cli.audit", "Report what needs attention across workspaces (--check for CI)."),
}


class LazyGroup(AmlEventsGroup):
    """The root group: sub-apps from ``SUBCOMMANDS`` are imported and built on first use."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from amlevents.cli.lazy import click_metavars

        click_metavars(self)  # --emulator TEXT, as Click writes it (cli/lazy.py)

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in SUBCOMMANDS if n not in self.commands)]

    def get_command(self, ctx: typer.Context, name: str):  # noqa: ANN201 - a Click command
        if name not in self.commands and name in SUBCOMMANDS:
            import importlib

            from amlevents.cli.lazy import build_command, click_metavars, lazy_group

            module = importlib.import_module(SUBCOMMANDS[name][0])
            # Only the invoked command of a group is built, not all of its parameters (cli/lazy.py)
            command = build_command(module.app, name) if name in TOP_LEVEL else lazy_group(module.app)
            click_metavars(command)  # a lone command's options too (lazy_group builds it as Typer does)
            command.name = name
            self.commands[name] = command
        return super().get_command(ctx, name)

    def format_commands(self, ctx: typer.Context, formatter) -> None:  # noqa: ANN001
        rows = [(n, SUBCOMMANDS[n][1]) for n in SUBCOMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    cls=LazyGroup,
    name="amlevents",
    help="Manage Azure Event Grid event subscriptions on Azure Machine Learning workspaces.\n\n"
    "Offline: `amlevents events list`, `events sample`, `events test` need no Azure account.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (Typer's; cli/completion.py completes values)
    pretty_exceptions_show_locals=False,  # locals can hold tokens and webhook secrets
    pretty_exceptions_enable=False,  # the error boundary prints errors; --debug prints plain tracebacks
    rich_markup_mode=None,  # Rich help costs ~120 ms of imports (markdown-it, pygments) on every --help
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"amlevents {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        Optional[bool],
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks and HTTP logging (secrets stay redacted).")
    ] = False,
    local: Annotated[
        bool, typer.Option("--local", help="Use the embedded local emulator (no Azure needed) [env: AMLEVENTS_LOCAL].")
    ] = False,
    emulator_url: Annotated[
        Optional[str],
        typer.Option("--emulator", help="URL of a running `amlevents emulator serve` [env: AMLEVENTS_EMULATOR].",
                     show_default=False),
    ] = None,
    cloud: Annotated[
        Optional[str],
        typer.Option("--cloud", help="AzureCloud (default), AzureChinaCloud or AzureUSGovernment "
                     "[env: AMLEVENTS_CLOUD].", show_default=False),
    ] = None,
    show_secrets: Annotated[
        bool, typer.Option("--show-secrets", help="Do not redact webhook URL query strings and secret values.")
    ] = False,
    raw: Annotated[
        bool, typer.Option("--raw", help="Print event subscriptions as the service's REST JSON (properties "
                           "nested, timestamps as sent) instead of the shape `az eventgrid` prints.")
    ] = False,
    timeout: Annotated[
        Optional[float],
        typer.Option("--timeout", metavar="SECONDS", show_default=False,
                     help="Give up (exit 1) when the command has not finished within SECONDS, waits for Azure "
                     "included (default: no limit; each Retry-After wait is capped at 60 s) [env: AMLEVENTS_TIMEOUT]."),
    ] = None,
) -> None:
    """Manage Azure Event Grid event subscriptions on Azure Machine Learning workspaces."""
    ctx.obj = CliState(local=local, emulator=emulator_url, cloud=cloud, debug=debug, show_secrets=show_secrets,
                       raw=raw, timeout=timeout)


def main() -> None:
    """Console-script entry point.

    The process ends with ``os._exit`` once its output is flushed: the interpreter's own shutdown (tearing down
    every imported module of the Azure SDK, joining idle pool threads) cost ~70 ms a command and does nothing
    for us — every write, token cache update and state-file commit has completed by then.
    """
    try:
        app(prog_name="amlevents")
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    _exit(code)


def _exit(code: int | str | None) -> None:
    import logging
    import os

    if code is not None and not isinstance(code, int):  # sys.exit("message"): the message, exit 1
        sys.stderr.write(f"{code}\n")
        code = 1
    try:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        logging.shutdown()
    except (OSError, ValueError):  # the reader closed the pipe: the data did not all arrive (as the boundary says)
        code = code or 1
    os._exit(code or 0)
