"""The root Typer app: global options and one sub-app per noun. Heavy imports stay inside commands."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from amlevents import __version__
from amlevents.cli import access, emulator, events, subscriptions
from amlevents.cli.context import CliState
from amlevents.cli.errors import AmlEventsGroup

app = typer.Typer(
    cls=AmlEventsGroup,
    name="amlevents",
    help="Manage Azure Event Grid event subscriptions on Azure Machine Learning workspaces.\n\n"
    "Offline: `amlevents events list`, `events sample`, `events test` need no Azure account.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals can hold tokens and webhook secrets
    pretty_exceptions_enable=False,  # the error boundary prints errors; --debug prints plain tracebacks
    rich_markup_mode=None,  # Rich help costs ~120 ms of imports (markdown-it, pygments) on every --help
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(subscriptions.app, name="subscription")
app.add_typer(access.app, name="access")
app.add_typer(events.app, name="events")
app.add_typer(emulator.app, name="emulator")


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
) -> None:
    """Manage Azure Event Grid event subscriptions on Azure Machine Learning workspaces."""
    ctx.obj = CliState(local=local, emulator=emulator_url, cloud=cloud, debug=debug, show_secrets=show_secrets)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="amlevents")
